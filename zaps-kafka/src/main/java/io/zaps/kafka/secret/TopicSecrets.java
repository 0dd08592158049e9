package io.zaps.kafka.secret;

import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Secret values for a service that decrypts them without the gateway's data folder (a connector, the trigger service's
 * mailbox logins): the records of {@link Topics#SECRETS} from a {@link SecretView}, decrypted with the master key.
 *
 * <p>Every lookup first catches the view up with the end of the topic (bounded by {@code catchUp}: past it the lookup
 * fails with {@link Unavailable}, which a caller treats as passing, never as "no such secret"), so a value the gateway stored, replaced or deleted before the step started is what the step
 * gets: one offsets request to the broker per lookup, shared by the lookups waiting at the same time. A value is
 * decrypted once per record read, not per lookup.
 */
public final class TopicSecrets {
    private static final Logger log = LoggerFactory.getLogger(TopicSecrets.class);
    /** At most this many decrypted values are kept; when full, all are dropped (a store holds a few secrets). */
    static final int MAX_CACHED = 256;

    private final SecretView view;
    private final Function<SecretRecord, String> decrypt;
    private final Duration catchUp;
    private final ConcurrentHashMap<String, Decrypted> decrypted = new ConcurrentHashMap<>();

    /** A value and the record it was decrypted from; its toString never shows the value. */
    private record Decrypted(SecretRecord record, String value) {
        @Override
        public String toString() {
            return "Decrypted[" + record + "]";
        }
    }

    /**
     * @param decrypt the value of a {@code secret_saved} record (zaps-store's {@code SecretCipher}); throws with a message
     *                that names the secret, never a value, when it cannot
     * @param catchUp how long a lookup waits for the view to reach the end of the topic
     */
    public TopicSecrets(SecretView view, Function<SecretRecord, String> decrypt, Duration catchUp) {
        this.view = view;
        this.decrypt = decrypt;
        this.catchUp = catchUp;
    }

    /**
     * The value of {@code name}, or empty when the topic has no such secret (never stored, or deleted).
     *
     * @throws Unavailable     when the topic could not be read to its end in time (Kafka unreachable)
     * @throws RuntimeException from {@code decrypt} when it cannot be decrypted (naming the secret, never a value)
     */
    public Optional<String> value(String name) {
        if (!view.awaitCaughtUp(catchUp)) {
            log.warn("{} not read to its end within {} ms (looking up secret '{}')", Topics.SECRETS, catchUp.toMillis(), name);
            throw new Unavailable("the credential store (" + Topics.SECRETS + ") could not be read within " + catchUp.toSeconds()
                    + " s; secret '" + name + "' is looked up again on the next attempt");
        }
        Optional<SecretRecord> record = view.find(name);
        if (record.isEmpty()) {
            decrypted.remove(name);
            return Optional.empty();
        }
        Decrypted known = decrypted.get(name);
        if (known != null && known.record() == record.get()) {
            return Optional.of(known.value());
        }
        String value = decrypt.apply(record.get());
        if (decrypted.size() >= MAX_CACHED) {
            decrypted.clear();
        }
        decrypted.put(name, new Decrypted(record.get(), value));
        return Optional.of(value);
    }

    /** The topic could not be read to its end in time: passing (Kafka unreachable), not a missing secret. */
    public static final class Unavailable extends RuntimeException {
        public Unavailable(String message) {
            super(message);
        }
    }
}
