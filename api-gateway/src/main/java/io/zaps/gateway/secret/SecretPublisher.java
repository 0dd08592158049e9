package io.zaps.gateway.secret;

import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.secret.SecretView;
import io.zaps.kafka.view.TopicReconciler;
import io.zaps.store.SecretStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Puts the credential store of the data folder on {@link Topics#SECRETS}, encrypted exactly as at rest, where the
 * connectors and the trigger service read it without the data folder. Every store and delete is published under the
 * secrets' write lock ({@link SecretStore#put(String, String, java.util.function.Consumer)}), so the topic receives the
 * writes in their order, also from several gateways sharing the folder, and the write is answered once Kafka acknowledged
 * its record (or failed to: then the write stands and a reconciliation publishes it within a second of Kafka answering).
 *
 * <p>{@link #reconcile()} compares the files with a {@link SecretView} of the topic and publishes, under the lock, only
 * where the topic is behind: a value it lacks (or holds an older one of), and a delete for a secret it still has that the
 * folder no longer does. It runs when the gateway starts (so a data folder from before the topic existed is on it), every
 * {@code interval}, and every second while a publish failed ({@link TopicReconciler}). Nothing here sees a value.
 */
public final class SecretPublisher extends TopicReconciler {
    private static final Logger log = LoggerFactory.getLogger(SecretPublisher.class);

    private final SecretStore store;
    private final RecordPublisher publisher;
    private final SecretView view;
    private final long timeoutMs;
    private final AtomicInteger reconcileFailures = new AtomicInteger();

    public SecretPublisher(SecretStore store, RecordPublisher publisher, SecretView view, Duration timeout, Duration interval) {
        super(view, interval);
        this.store = store;
        this.publisher = publisher;
        this.view = view;
        this.timeoutMs = timeout.toMillis();
    }

    /**
     * Publishes a write's record; call it under the secrets' write lock. When Kafka does not take it, the write stands
     * and the record is published again within a second of Kafka answering; until then the connectors use what they
     * had (the previous value, or none).
     */
    void published(SecretRecord record) {
        try {
            publisher.sendAndWait(Topics.SECRETS, record.name(), record, timeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            retrySoon();
            log.warn("secret '{}' {} but not yet on {} (trying again within 1 s of Kafka answering): {}", record.name(),
                    record.isDeleted() ? "deleted" : "stored", Topics.SECRETS, e.getMessage());
        }
    }

    /**
     * Publishes every secret (and every delete) the topic lacks.
     *
     * @return how many records it published
     */
    public int reconcile() {
        if (!view.awaitCaughtUp(Duration.ofMillis(Math.max(timeoutMs, 1000)))) {
            log.warn("{} could not be read to its end; secrets are compared with what was read", Topics.SECRETS);
        }
        Set<String> names = new TreeSet<>(store.names());
        names.addAll(view.names());
        int published = 0;
        for (String name : names) {
            try {
                if (missing(name, store.sealed(name)).isPresent()) {
                    published += store.inspect(name, stored -> {
                        Optional<SecretRecord> record = missing(name, stored);
                        if (record.isEmpty()) {
                            return 0;
                        }
                        publisher.sendAndWait(Topics.SECRETS, name, record.get(), timeoutMs);
                        return 1;
                    });
                }
            } catch (RuntimeException e) {
                reconcileFailures.incrementAndGet();
                log.warn("secret '{}' not published to {} (trying again in 1 s): {}", name, Topics.SECRETS, e.toString());
            }
        }
        if (published > 0) {
            log.info("published {} secret records the topic {} lacked", published, Topics.SECRETS);
        }
        return published;
    }

    /** The record the topic (as far as the view read it) lacks given what the folder holds, if any. */
    private Optional<SecretRecord> missing(String name, Optional<SecretRecord> stored) {
        Optional<SecretRecord> onTopic = view.record(name);
        if (stored.isPresent()) {
            boolean behind = onTopic.isEmpty() || onTopic.get().updatedAt().isBefore(stored.get().updatedAt());
            return behind ? stored : Optional.empty();
        }
        return onTopic.filter(r -> !r.isDeleted()).map(r -> SecretRecord.deleted(name, r.updatedAt()));
    }

    @Override
    protected boolean reconcilePass() {
        int before = reconcileFailures.get();
        reconcile();
        return reconcileFailures.get() == before;
    }
}
