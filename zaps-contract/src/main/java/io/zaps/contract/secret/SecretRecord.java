package io.zaps.contract.secret;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.trigger.SecretRef;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A record of {@link io.zaps.contract.Topics#SECRETS}, keyed by the secret's name. {@value #SAVED} carries the secret
 * exactly as the gateway keeps it at rest: AES-256-GCM ciphertext (with its tag), the nonce, the id of the master key that
 * encrypted it, and its timestamps; never the value. Only a service holding the same master key can decrypt it, and only
 * under this name (the name is the cipher's associated data).
 *
 * <p>{@value #DELETED} says the value saved at {@code updated_at} was removed. {@code updated_at} orders a secret's
 * records as a workflow's version orders its records: a reader keeps the record with the later {@code updated_at}, at the
 * same instant the delete. A delete is a record rather than a tombstone so that it keeps that instant: a late or repeated
 * publish of the value it removed cannot bring it back, while a value stored again later (a later {@code updated_at})
 * does.
 *
 * @param name       the secret's name (equal to the record key)
 * @param updatedAt  when the value was stored; for {@value #DELETED} when the removed value was stored
 * @param algorithm  {@code AES-256-GCM} ({@value #SAVED})
 * @param keyId      which master key encrypted it (a short HMAC of the key, not the key) ({@value #SAVED})
 * @param nonce      base64 of the 96-bit nonce ({@value #SAVED})
 * @param ciphertext base64 of the ciphertext and its 128-bit tag ({@value #SAVED})
 * @param createdAt  when the secret was first stored ({@value #SAVED})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SecretRecord(
        String type,
        Integer schemaVersion,
        String name,
        Instant updatedAt,
        String algorithm,
        String keyId,
        String nonce,
        String ciphertext,
        Instant createdAt) {
    public static final String SAVED = "secret_saved";
    public static final String DELETED = "secret_deleted";

    public static SecretRecord saved(String name, String algorithm, String keyId, String nonce, String ciphertext,
                                     Instant createdAt, Instant updatedAt) {
        return new SecretRecord(SAVED, SchemaVersions.CURRENT, name, updatedAt, algorithm, keyId, nonce, ciphertext, createdAt);
    }

    /** The value stored at {@code updatedAt} was removed. */
    public static SecretRecord deleted(String name, Instant updatedAt) {
        return new SecretRecord(DELETED, SchemaVersions.CURRENT, name, updatedAt, null, null, null, null, null);
    }

    @JsonIgnore
    public boolean isDeleted() {
        return DELETED.equals(type);
    }

    /**
     * The record to keep of two for one name: the later {@code updated_at}; at the same instant the delete (it removed
     * that value), else the one already kept.
     */
    public static SecretRecord newer(SecretRecord kept, SecretRecord incoming) {
        int order = incoming.updatedAt().compareTo(kept.updatedAt());
        if (order != 0) {
            return order > 0 ? incoming : kept;
        }
        return incoming.isDeleted() && !kept.isDeleted() ? incoming : kept;
    }

    /** Checks the record; throws {@link MalformedRecordException} naming what is wrong (never quoting a field's content). */
    public SecretRecord validated() {
        if (!SAVED.equals(type) && !DELETED.equals(type)) {
            throw new MalformedRecordException("unknown record type '" + type + "' on the secrets topic");
        }
        SchemaVersions.check(schemaVersion == null ? 1 : schemaVersion, type);
        if (name == null || !SecretRef.isValidName(name)) {
            throw new MalformedRecordException("name must match " + SecretRef.NAME.pattern());
        }
        if (updatedAt == null) {
            throw new MalformedRecordException("updated_at is required");
        }
        if (SAVED.equals(type) && (algorithm == null || keyId == null || nonce == null || ciphertext == null)) {
            throw new MalformedRecordException("secret_saved needs algorithm, key_id, nonce and ciphertext");
        }
        return this;
    }

    /** Names the record; the ciphertext is not secret without the key, but has no business in a log line either. */
    @Override
    public String toString() {
        return "SecretRecord[" + type + " '" + name + "' updated_at=" + updatedAt + (keyId == null ? "" : " key_id=" + keyId) + "]";
    }
}
