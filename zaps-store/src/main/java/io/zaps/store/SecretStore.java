package io.zaps.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.contract.trigger.SecretRef;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The credential store: named secrets encrypted at rest with AES-256-GCM under {@code <data>/secrets/<name>.json}.
 *
 * <p>The master key comes from {@code ZAPS_MASTER_KEY} (base64 of 32 random bytes, e.g. {@code openssl rand -base64 32})
 * or, when that is not set, from a key file {@code <data>/secrets/.master-key} generated on first use and readable by its
 * owner only. Each value has its own random 96-bit nonce, and its name is bound to the ciphertext as associated data, so a
 * file renamed to another secret's name does not decrypt. Values are only ever returned by {@link #value}; listings hold
 * names and timestamps.
 *
 * <p>Safe for several processes sharing the data folder: writes are atomic (temp file + rename) and serialized by the
 * secrets' write lock ({@code <data>/secrets/.lock}, a {@link FolderLock}), the key file is created exclusively. What a
 * writer does {@code whileLocked} (the gateway: publish the {@link SecretRecord} to {@link io.zaps.contract.Topics#SECRETS})
 * therefore happens in the order of the writes. The file holds exactly the encrypted form a {@link SecretRecord} carries
 * ({@link #sealed}); {@link SecretCipher} decrypts either.
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
    static final String KEY_FILE = SecretCipher.KEY_FILE;
    private static final String LOCK_FILE = ".lock";
    private static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    /** What may be shown about a secret: never its value. */
    public record SecretInfo(String name, Instant createdAt, Instant updatedAt) {}

    /** The stored form: the fields of a {@code secret_saved} {@link SecretRecord}. */
    record SecretFile(@JsonProperty("name") String name,
                      @JsonProperty("algorithm") String algorithm,
                      @JsonProperty("key_id") String keyId,
                      @JsonProperty("nonce") String nonce,
                      @JsonProperty("ciphertext") String ciphertext,
                      @JsonProperty("created_at") Instant createdAt,
                      @JsonProperty("updated_at") Instant updatedAt) {
        static SecretFile of(SecretRecord record) {
            return new SecretFile(record.name(), record.algorithm(), record.keyId(), record.nonce(), record.ciphertext(),
                    record.createdAt(), record.updatedAt());
        }

        SecretRecord record() {
            return SecretRecord.saved(name, algorithm, keyId, nonce, ciphertext, createdAt, updatedAt);
        }
    }

    private final Path dir;
    private final SecretCipher cipher;
    private final Clock clock;
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
        this(dataDir, new SecretCipher(masterKey), clock);
    }

    private SecretStore(Path dataDir, SecretCipher cipher, Clock clock) {
        this.dir = SecretCipher.secretsDir(dataDir);
        this.cipher = cipher;
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
        return new SecretStore(dataDir, SecretCipher.forStore(dataDir, masterKeyBase64), clock);
    }

    /** {@link #open(Path, String, Clock)} with {@value #MASTER_KEY_ENV} from the environment and the system clock. */
    public static SecretStore open(Path dataDir) {
        return open(dataDir, System.getenv(MASTER_KEY_ENV), Clock.systemUTC());
    }

    /** Stores (or replaces) {@code name}; returns what may be shown about it. */
    public SecretInfo put(String name, String value) {
        return put(name, value, stored -> {
        });
    }

    /**
     * Stores (or replaces) {@code name}, then gives {@code whileLocked} the stored form, still under the secrets' write
     * lock. Its {@code updated_at} is later than the replaced value's, even if the clock went back.
     */
    public SecretInfo put(String name, String value, Consumer<SecretRecord> whileLocked) {
        checkName(name);
        if (value == null) {
            throw new IllegalArgumentException("a secret value is required");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
            throw new IllegalArgumentException("a secret value may be at most " + MAX_VALUE_BYTES + " bytes");
        }
        return withLock(() -> {
            Optional<SecretFile> old = read(name);
            Instant now = clock.instant();
            if (old.isPresent() && old.get().updatedAt() != null && !now.isAfter(old.get().updatedAt())) {
                now = old.get().updatedAt().plusMillis(1);
            }
            Instant created = old.map(SecretFile::createdAt).orElse(now);
            SecretRecord sealed = cipher.seal(name, value, created, now);
            Path target = file(name);
            Path temp = writePrivateTemp(dir, Json.toBytes(SecretFile.of(sealed)));
            decrypted.remove(name);
            try {
                Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                FileStore.deleteQuietly(temp);
                throw new StoreException("cannot write secret '" + name + "': " + e.getMessage(), e);
            }
            whileLocked.accept(sealed);
            return new SecretInfo(name, created, now);
        });
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
        String value = cipher.open(parse(name, bytes.get()).record());
        if (decrypted.size() >= MAX_CACHED) {
            decrypted.clear();
        }
        decrypted.put(name, new Decrypted(bytes.get(), value));
        return Optional.of(value);
    }

    /** The stored (encrypted) form of {@code name}, as {@link io.zaps.contract.Topics#SECRETS} carries it; empty when none. */
    public Optional<SecretRecord> sealed(String name) {
        checkName(name);
        return read(name).map(SecretFile::record);
    }

    /**
     * Runs {@code action} with the stored form of {@code name} (empty when there is none) under the secrets' write lock,
     * so that no write of it comes in between (what the gateway's reconciliation publishes).
     */
    public <T> T inspect(String name, Function<Optional<SecretRecord>, T> action) {
        checkName(name);
        return withLock(() -> action.apply(sealed(name)));
    }

    /** Name and timestamps of {@code name}. */
    public Optional<SecretInfo> info(String name) {
        checkName(name);
        return read(name).map(f -> new SecretInfo(f.name(), f.createdAt(), f.updatedAt()));
    }

    /** Every secret's name and timestamps, by name. */
    public List<SecretInfo> list() {
        List<SecretInfo> out = new ArrayList<>();
        for (String name : names()) {
            read(name).ifPresent(f -> out.add(new SecretInfo(f.name(), f.createdAt(), f.updatedAt())));
        }
        return out;
    }

    /** The name of every stored secret, in order; no file is parsed. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        try (var stream = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : stream) {
                String fileName = p.getFileName().toString();
                String name = fileName.substring(0, fileName.length() - ".json".length());
                if (SecretRef.isValidName(name)) {
                    out.add(name);
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list secrets: " + e.getMessage(), e);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** Removes {@code name}; false when there was none. */
    public boolean delete(String name) {
        return delete(name, removed -> {
        });
    }

    /**
     * Removes {@code name}, then gives {@code whileLocked} the {@code secret_deleted} record of the value removed, still
     * under the secrets' write lock; false (and no call) when there was none.
     */
    public boolean delete(String name, Consumer<SecretRecord> whileLocked) {
        checkName(name);
        return withLock(() -> {
            decrypted.remove(name);
            Instant stored;
            try {
                stored = read(name).map(SecretFile::updatedAt).orElse(null);
            } catch (StoreException corrupt) {
                stored = null; // removed all the same: its delete record carries the time of the removal
            }
            boolean removed;
            try {
                removed = Files.deleteIfExists(file(name));
            } catch (IOException e) {
                throw new StoreException("cannot delete secret '" + name + "': " + e.getMessage(), e);
            }
            if (removed) {
                whileLocked.accept(SecretRecord.deleted(name, stored != null ? stored : clock.instant()));
            }
            return removed;
        });
    }

    private <T> T withLock(Supplier<T> action) {
        return FolderLock.withLock(dir.resolve(LOCK_FILE), action);
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

    static void createPrivateDir(Path dir) {
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
    static Path writePrivateTemp(Path dir, byte[] bytes) {
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
