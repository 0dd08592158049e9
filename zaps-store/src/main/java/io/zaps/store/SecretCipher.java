package io.zaps.store;

import io.zaps.contract.secret.SecretRecord;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * AES-256-GCM under the master key: what encrypts a secret at rest ({@link SecretStore}) and decrypts it wherever a
 * service holds the same key, from the data folder or from {@link io.zaps.contract.Topics#SECRETS} (both carry the same
 * {@link SecretRecord} form). Each value has its own random 96-bit nonce, and its name is bound to the ciphertext as
 * associated data, so a value copied under another name does not decrypt. Messages name secrets, never values.
 *
 * <p>The master key is {@value SecretStore#MASTER_KEY_ENV} (base64 of 32 random bytes) or else the key file
 * {@code <data>/secrets/.master-key}: the gateway creates it on first use ({@link #forStore}); a service that only
 * decrypts never creates one ({@link #forReader}), since a key of its own would decrypt nothing.
 */
public final class SecretCipher {
    static final String ALGORITHM = "AES-256-GCM";
    static final String KEY_FILE = ".master-key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final String keyId;
    private final SecureRandom random = new SecureRandom();

    SecretCipher(byte[] masterKey) {
        if (masterKey.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (was " + masterKey.length + ")");
        }
        this.key = new SecretKeySpec(masterKey, "AES");
        this.keyId = keyId(masterKey);
    }

    /** {@code <data>/secrets}: where the secret files and the key file live. */
    static Path secretsDir(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().resolve("secrets");
    }

    /**
     * The key of the service that stores secrets: {@code masterKeyBase64} when given, else the data folder's key file,
     * created when missing (exclusively: of two processes creating it at once, both end up with the winner's key).
     *
     * @throws IllegalArgumentException when {@code masterKeyBase64} is not base64 of 32 bytes (the message says how to make one)
     */
    static SecretCipher forStore(Path dataDir, String masterKeyBase64) {
        if (masterKeyBase64 != null && !masterKeyBase64.isBlank()) {
            return new SecretCipher(decodeKey(masterKeyBase64.strip(), SecretStore.MASTER_KEY_ENV));
        }
        Path file = secretsDir(dataDir).resolve(KEY_FILE);
        if (!Files.exists(file)) {
            createKeyFile(file);
        }
        return new SecretCipher(readKeyFile(file));
    }

    /**
     * The key of a service that only decrypts: {@code masterKeyBase64} when given, else the key file of {@code dataDir}
     * when there is one (a data folder shared with the gateway, as in {@code ./zaps up}); never creates a key.
     *
     * @throws StoreException when there is neither (the message says to set {@value SecretStore#MASTER_KEY_ENV})
     * @throws IllegalArgumentException when {@code masterKeyBase64} is not base64 of 32 bytes
     */
    public static SecretCipher forReader(Path dataDir, String masterKeyBase64) {
        if (masterKeyBase64 != null && !masterKeyBase64.isBlank()) {
            return new SecretCipher(decodeKey(masterKeyBase64.strip(), SecretStore.MASTER_KEY_ENV));
        }
        Path file = secretsDir(dataDir).resolve(KEY_FILE);
        if (!Files.exists(file)) {
            throw new StoreException("no master key to decrypt secrets with: set " + SecretStore.MASTER_KEY_ENV
                    + " to the gateway's key (this service does not share the gateway's data folder, where its key file is)", null);
        }
        return new SecretCipher(readKeyFile(file));
    }

    /**
     * Decrypts records with {@link #forReader}'s key, resolved on the first record (a service whose steps never reference
     * a secret needs no key) and kept once found; until then every call looks again (a key file the gateway has not
     * made yet, in a shared folder).
     */
    public static Function<SecretRecord, String> lazyReader(Path dataDir, String masterKeyBase64) {
        AtomicReference<SecretCipher> resolved = new AtomicReference<>();
        return record -> {
            SecretCipher cipher = resolved.get();
            if (cipher == null) {
                cipher = forReader(dataDir, masterKeyBase64);
                resolved.compareAndSet(null, cipher);
            }
            return cipher.open(record);
        };
    }

    /** Which key this is: a short HMAC of the key, safe to store and show. */
    public String keyId() {
        return keyId;
    }

    /** {@code value} encrypted for {@code name}, in the form kept at rest and on the topic. */
    SecretRecord seal(String name, String value, Instant createdAt, Instant updatedAt) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, name, nonce, value.getBytes(StandardCharsets.UTF_8));
        Base64.Encoder b64 = Base64.getEncoder();
        return SecretRecord.saved(name, ALGORITHM, keyId, b64.encodeToString(nonce), b64.encodeToString(sealed), createdAt, updatedAt);
    }

    /**
     * The value of a {@code secret_saved} record.
     *
     * @throws StoreException when it was encrypted under another key, is corrupt or was tampered with (naming the secret)
     */
    public String open(SecretRecord record) {
        String name = record.name();
        if (record.isDeleted() || record.nonce() == null || record.ciphertext() == null) {
            throw new StoreException("secret '" + name + "' has no value", null);
        }
        if (!keyId.equals(record.keyId())) {
            throw new StoreException("secret '" + name + "' was encrypted with a different master key ("
                    + SecretStore.MASTER_KEY_ENV + " or " + KEY_FILE + " changed?)", null);
        }
        Base64.Decoder b64 = Base64.getDecoder();
        try {
            byte[] plain = crypt(Cipher.DECRYPT_MODE, name, b64.decode(record.nonce()), b64.decode(record.ciphertext()));
            return new String(plain, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new StoreException("secret '" + name + "' is corrupt: " + e.getMessage(), e);
        }
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

    private static void createKeyFile(Path path) {
        SecretStore.createPrivateDir(path.getParent());
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        Path temp = SecretStore.writePrivateTemp(path.getParent(), Base64.getEncoder().encode(fresh));
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

    private static byte[] readKeyFile(Path path) {
        try {
            return decodeKey(Files.readString(path, StandardCharsets.US_ASCII).strip(), "the key file " + path);
        } catch (IOException e) {
            throw new StoreException("cannot read the master key file " + path + ": " + e.getMessage(), e);
        }
    }
}
