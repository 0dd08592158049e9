package io.zaps.kafka.secret;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.kafka.view.CompactedTopicView;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The credential store as {@link Topics#SECRETS} holds it, kept in memory (a {@link CompactedTopicView}): per name the
 * record with the later {@code updated_at}, at the same instant the delete ({@link SecretRecord#newer}). It holds only
 * what the topic holds, the encrypted form; decrypting is {@link TopicSecrets}' job, with the master key.
 */
public final class SecretView extends CompactedTopicView<SecretRecord> {

    public SecretView(CompactedTopicView.Consumers consumers, Duration loadTimeout) {
        super(Topics.SECRETS, consumers, loadTimeout);
    }

    /** A view whose consumer has the client settings of {@code factory}, its own client id and no consumer group. */
    public static SecretView of(ConsumerFactory<?, ?> factory, String clientId, Duration loadTimeout) {
        return new SecretView(consumers(factory, clientId), loadTimeout);
    }

    /** The stored (encrypted) form of {@code name}; empty when never stored or deleted. */
    public Optional<SecretRecord> find(String name) {
        SecretRecord record = latest(name);
        return record == null || record.isDeleted() ? Optional.empty() : Optional.of(record);
    }

    /** The latest record of {@code name}, a delete too; empty when the topic has none. */
    public Optional<SecretRecord> record(String name) {
        return Optional.ofNullable(latest(name));
    }

    /** The names of every current (not deleted) secret, in order. */
    public Set<String> names() {
        return keysWhere(record -> !record.isDeleted());
    }

    /** Applies one record of the topic, as the poll loop does (for tests). */
    void applyRecord(String key, byte[] value) {
        apply(key, value);
    }

    @Override
    protected SecretRecord read(byte[] value) {
        return Json.read(value, SecretRecord.class).validated();
    }

    @Override
    protected String keyOf(SecretRecord record) {
        return record.name();
    }

    @Override
    protected SecretRecord newer(SecretRecord kept, SecretRecord incoming) {
        return SecretRecord.newer(kept, incoming);
    }
}
