package io.zaps.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.trigger.SecretRef;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The credential store: named secrets encrypted at rest with AES-256-GCM under {@code <data>/secrets/<name>.json}.
 *
 * <p>The master key comes from {@code ZAPS_MASTER_KEY} (base64 of 32 random bytes, e.g. {@code openssl rand -base64 32})
 * or, when that is not set, from a key file {@code <data>/secrets/.master-key} generated on first use and readable by its
 * owner only. Each value has its own random 96-bit nonce, and its name is bound to the ciphertext as associated data, so a
 * file renamed to another secret's name does not decrypt. Values are only ever returned by {@link #value}; listings hold
 * names and timestamps.
 *
 * <p>Safe for several processes sharing the data folder: writes are atomic (temp file + rename), the key file is created
 * exclusively.
 *
 * <p>{@link #value} is on the path of every inbound webhook request. Its file is still read every time (a few hundred
 * bytes from the page cache), but the JSON parse and the AES-GCM decryption are done only when those bytes differ from the
 * ones the value was last decrypted from: the cache is keyed on the file's whole content (nonce and ciphertext), not on a
 * modification time, so a secret rotated or deleted by this or by any other process sharing the folder takes effect on the
 * very next read, whatever the file system's timestamp granularity. Only secrets that were read are kept, at most
 * {@link #MAX_CACHED}; an entry is dropped as soon as its file is gone, and replaced when its file changed.
 */
public final class SecretStore {
    /** The environment variable holding the master key. */
    public static final String MASTER_KEY_ENV = "ZAPS_MASTER_KEY";
    static final String KEY_FILE = ".master-key";
    private static final String ALGORITHM = "AES-256-GCM";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    /** What may be shown about a secret: never its value. */
    public record SecretInfo(String name, Instant createdAt, Instant updatedAt) {}

    /** The stored form. */
    record SecretFile(@JsonProperty("name") String name,
                      @JsonProperty("algorithm") String algorithm,
                      @JsonProperty("key_id") String keyId,
                      @JsonProperty("nonce") String nonce,
                      @JsonProperty("ciphertext") String ciphertext,
                      @JsonProperty("created_at") Instant createdAt,
                      @JsonProperty("updated_at") Instant updatedAt) {}

    private final Path dir;
    private final SecretKeySpec key;
    private final String keyId;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    /** Decrypted values by name, each with the exact file content it was decrypted from. */
    private final ConcurrentHashMap<String, Decrypted> decrypted = new ConcurrentHashMap<>();

    /** At most this many decrypted values are kept; when full, the whole cache is dropped (a store holds a few secrets). */
    static final int MAX_CACHED = 256;

    /** A value and the stored bytes (ciphertext, not secret) it was decrypted from. Its toString never shows the value. */
    private static final class Decrypted {
        final byte[] file;
        final String value;

        Decrypted(byte[] file, String value) {
            this.file = file;
            this.value = value;
        }

        @Override
        public String toString() {
            return "Decrypted[" + file.length + " bytes]";
        }
    }

    SecretStore(Path dataDir, byte[] masterKey, Clock clock) {
        if (masterKey.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (was " + masterKey.length + ")");
        }
        this.dir = dataDir.toAbsolutePath().normalize().resolve("secrets");
        this.key = new SecretKeySpec(masterKey, "AES");
        this.keyId = keyId(masterKey);
        this.clock = clock;
        createPrivateDir(dir);
    }

    /**
     * The store under {@code dataDir}, keyed by {@code masterKeyBase64} when given (the value of {@value #MASTER_KEY_ENV}),
     * else by the data folder's key file, created when missing.
     *
     * @throws IllegalArgumentException when {@code masterKeyBase64} is not base64 of 32 bytes (the message says how to make one)
     */
    public static SecretStore open(Path dataDir, String masterKeyBase64, Clock clock) {
        if (masterKeyBase64 != null && !masterKeyBase64.isBlank()) {
            return new SecretStore(dataDir, decodeKey(masterKeyBase64.strip(), MASTER_KEY_ENV), clock);
        }
        Path secrets = dataDir.toAbsolutePath().normalize().resolve("secrets");
        createPrivateDir(secrets);
        return new SecretStore(dataDir, keyFile(secrets.resolve(KEY_FILE)), clock);
    }

    /** {@link #open(Path, String, Clock)} with {@value #MASTER_KEY_ENV} from the environment and the system clock. */
    public static SecretStore open(Path dataDir) {
        return open(dataDir, System.getenv(MASTER_KEY_ENV), Clock.systemUTC());
    }

    /** Stores (or replaces) {@code name}; returns what may be shown about it. */
    public synchronized SecretInfo put(String name, String value) {
        checkName(name);
        if (value == null) {
            throw new IllegalArgumentException("a secret value is required");
        }
        byte[] plain = value.getBytes(StandardCharsets.UTF_8);
        if (plain.length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("a secret value may be at most " + MAX_VALUE_BYTES + " bytes");
        }
        Instant now = clock.instant();
        Instant created = info(name).map(SecretInfo::createdAt).orElse(now);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, name, nonce, plain);
        Base64.Encoder b64 = Base64.getEncoder();
        SecretFile file = new SecretFile(name, ALGORITHM, keyId, b64.encodeToString(nonce), b64.encodeToString(sealed), created, now);
        Path target = file(name);
        Path temp = writePrivateTemp(dir, Json.toBytes(file));
        decrypted.remove(name);
        try {
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            FileStore.deleteQuietly(temp);
            throw new StoreException("cannot write secret '" + name + "': " + e.getMessage(), e);
        }
        return new SecretInfo(name, created, now);
    }

    /**
     * The decrypted value of {@code name}, or empty when there is no such secret.
     *
     * @throws StoreException when the file cannot be decrypted (a different master key, or tampering); the message names
     *                        the secret, never a value
     */
    public Optional<String> value(String name) {
        checkName(name);
        Optional<byte[]> bytes = readBytes(name);
        if (bytes.isEmpty()) {
            decrypted.remove(name);
            return Optional.empty();
        }
        Decrypted known = decrypted.get(name);
        if (known != null && Arrays.equals(known.file, bytes.get())) {
            return Optional.of(known.value);
        }
        String value = decrypt(name, parse(name, bytes.get()));
        if (decrypted.size() >= MAX_CACHED) {
            decrypted.clear();
        }
        decrypted.put(name, new Decrypted(bytes.get(), value));
        return Optional.of(value);
    }

    private String decrypt(String name, SecretFile file) {
        if (!keyId.equals(file.keyId())) {
            throw new StoreException("secret '" + name + "' was encrypted with a different master key ("
                    + MASTER_KEY_ENV + " or " + KEY_FILE + " changed?)", null);
        }
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            byte[] plain = crypt(Cipher.DECRYPT_MODE, name, b64.decode(file.nonce()), b64.decode(file.ciphertext()));
            return new String(plain, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new StoreException("secret '" + name + "' is corrupt: " + e.getMessage(), e);
        }
    }

    /** Name and timestamps of {@code name}. */
    public Optional<SecretInfo> info(String name) {
        checkName(name);
        return read(name).map(f -> new SecretInfo(f.name(), f.createdAt(), f.updatedAt()));
    }

    /** Every secret's name and timestamps, by name. */
    public List<SecretInfo> list() {
        List<SecretInfo> out = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : stream) {
                String fileName = p.getFileName().toString();
                String name = fileName.substring(0, fileName.length() - ".json".length());
                if (SecretRef.isValidName(name)) {
                    read(name).ifPresent(f -> out.add(new SecretInfo(f.name(), f.createdAt(), f.updatedAt())));
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list secrets: " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(SecretInfo::name));
        return out;
    }

    /** Removes {@code name}; false when there was none. */
    public synchronized boolean delete(String name) {
        checkName(name);
        decrypted.remove(name);
        try {
            return Files.deleteIfExists(file(name));
        } catch (IOException e) {
            throw new StoreException("cannot delete secret '" + name + "': " + e.getMessage(), e);
        }
    }

    private Optional<SecretFile> read(String name) {
        return readBytes(name).map(bytes -> parse(name, bytes));
    }

    private Optional<byte[]> readBytes(String name) {
        try {
            return Optional.of(Files.readAllBytes(file(name)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read secret '" + name + "': " + e.getMessage(), e);
        }
    }

    private static SecretFile parse(String name, byte[] bytes) {
        SecretFile file;
        try {
            file = Json.read(bytes, SecretFile.class);
        } catch (MalformedRecordException e) {
            throw new StoreException("secret file for '" + name + "' is corrupt", e);
        }
        if (!name.equals(file.name()) || file.nonce() == null || file.ciphertext() == null) {
            throw new StoreException("secret file for '" + name + "' is corrupt", null);
        }
        return file;
    }

    private byte[] crypt(int mode, String name, byte[] nonce, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(("zaps-secret:" + name).getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new StoreException("secret '" + name + "' does not decrypt (wrong master key or tampered file)", e);
        } catch (GeneralSecurityException e) {
            throw new StoreException("cannot " + (mode == Cipher.ENCRYPT_MODE ? "encrypt" : "decrypt") + " secret '" + name + "': " + e.getMessage(), e);
        }
    }

    private Path file(String name) {
        Path file = dir.resolve(name + ".json").normalize();
        if (!dir.equals(file.getParent())) {
            throw new UnsafeIdException("secret name", name);
        }
        return file;
    }

    private static void checkName(String name) {
        if (!SecretRef.isValidName(name)) {
            throw new UnsafeIdException("secret name", name);
        }
    }

    private static String keyId(byte[] masterKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(masterKey, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal("zaps-key-id".getBytes(StandardCharsets.UTF_8)), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] decodeKey(String base64, String source) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " must be base64 of 32 random bytes (make one with: openssl rand -base64 32)");
        }
        if (key.length != 32) {
            throw new IllegalArgumentException(source + " must be base64 of 32 random bytes (was " + key.length
                    + " bytes; make one with: openssl rand -base64 32)");
        }
        return key;
    }

    private static byte[] keyFile(Path path) {
        if (!Files.exists(path)) {
            byte[] fresh = new byte[32];
            new SecureRandom().nextBytes(fresh);
            Path temp = writePrivateTemp(path.getParent(), Base64.getEncoder().encode(fresh));
            try {
                // link, not move: of two processes creating the key at once, exactly one wins and both use its key
                Files.createLink(path, temp);
            } catch (FileAlreadyExistsException e) {
                // another process made it first
            } catch (UnsupportedOperationException | IOException e) {
                try {
                    Files.move(temp, path);
                } catch (IOException moveFailed) {
                    if (!Files.exists(path)) {
                        throw new StoreException("cannot create the master key file " + path + ": " + moveFailed.getMessage(), moveFailed);
                    }
                }
            } finally {
                FileStore.deleteQuietly(temp);
            }
        }
        try {
            return decodeKey(Files.readString(path, StandardCharsets.US_ASCII).strip(), "the key file " + path);
        } catch (IOException e) {
            throw new StoreException("cannot read the master key file " + path + ": " + e.getMessage(), e);
        }
    }

    private static void createPrivateDir(Path dir) {
        try {
            Files.createDirectories(dir);
            if (Files.getFileAttributeView(dir, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A temp file created owner-only (on POSIX) before a byte is written to it. */
    private static Path writePrivateTemp(Path dir, byte[] bytes) {
        Path temp = dir.resolve(".tmp-" + Long.toHexString(new SecureRandom().nextLong()));
        try {
            if (Files.getFileStore(dir).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
            } else {
                Files.createFile(temp);
            }
            Files.write(temp, bytes);
            return temp;
        } catch (IOException e) {
            FileStore.deleteQuietly(temp);
            throw new StoreException("cannot write in " + dir + ": " + e.getMessage(), e);
        }
    }
}
