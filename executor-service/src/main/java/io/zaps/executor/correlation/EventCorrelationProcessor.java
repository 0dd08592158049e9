package io.zaps.executor.correlation;

import io.zaps.kafka.DeadLetters;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.Subscribe;
import io.zaps.contract.command.SubscriptionCommand;
import io.zaps.contract.command.Unsubscribe;
import io.zaps.contract.event.CorrelationEvent;
import io.zaps.contract.step.WaitForEventSpec;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the subscriptions of one partition's correlation keys and turns each event into a {@code resume_step}
 * for every run waiting on its key, then drops those subscriptions. A subscription also goes when its wait
 * ends otherwise ({@code unsubscribe}: resume URL, timeout) or, whatever happened (a cancelled or abandoned run
 * sends none), a while after the wait's timeout ({@link #EXPIRY_GRACE}). A record that cannot be understood
 * goes to its topic's dead-letter topic and processing goes on.
 *
 * <p>An event that finds nobody waiting is dropped: events are not kept for runs that start waiting later.
 */
final class EventCorrelationProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger log = LoggerFactory.getLogger(EventCorrelationProcessor.class);
    /** Separates the parts of a subscription's store key; no correlation key holds a control character. */
    private static final char SEPARATOR = '\0';
    private static final int DIGITS = 19;
    /** A subscription is dropped this long after its wait timed out (its timeout timer has long fired by then). */
    static final Duration EXPIRY_GRACE = Duration.ofMinutes(1);
    /** How often expired subscriptions are looked for. */
    static final Duration SWEEP_INTERVAL = Duration.ofSeconds(10);
    /** Bounds one sweep, and the runs one event resumes at once (the rest wait for the next event). */
    static final int MAX_PER_BATCH = 10_000;

    private final Clock clock;
    private final int maxDataBytes;
    private final DeadLetters deadLetters;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> subscriptions;
    private KeyValueStore<String, byte[]> expiry;
    /**
     * Every expiry entry before this has been swept, unless one was written since with an earlier time, which
     * moves this back: sweeps start here rather than step over the tombstones of all earlier ones (as
     * {@link io.zaps.executor.finished.FinishedRunStore} prunes). In memory: a new task sweeps from the epoch once.
     */
    private Instant sweepFrom = Instant.EPOCH;

    EventCorrelationProcessor(Clock clock, int maxDataBytes, DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.maxDataBytes = maxDataBytes;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.subscriptions = context.getStateStore(EventCorrelation.SUBSCRIPTIONS_STORE);
        this.expiry = context.getStateStore(EventCorrelation.EXPIRY_STORE);
        context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, ignored -> sweep());
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(Topics.EVENTS);
        boolean isEvent = !Topics.EVENT_SUBSCRIPTIONS.equals(topic);
        try {
            if (isEvent) {
                correlate(record);
            } else {
                change(parseSubscription(record.key(), record.value()));
            }
        } catch (MalformedRecordException e) {
            deadLetter(record, isEvent, e.getMessage());
        } catch (RuntimeException e) { // one record must not stop the correlation of a whole partition
            log.error("cannot process a record of {} with key {}; dead-lettered", topic, record.key(), e);
            deadLetter(record, isEvent, "the executor could not process it: " + e);
        }
    }

    private void correlate(Record<String, byte[]> record) {
        CorrelationEvent event = Json.read(record.value(), CorrelationEvent.class).validated(record.key());
        JsonNode data = event.dataOrEmpty();
        int size = Json.toBytes(data).length;
        if (size > maxDataBytes) {
            throw new MalformedRecordException("data is " + size + " bytes, more than the " + maxDataBytes + " a step may record");
        }
        Instant now = now();
        List<KeyValue<String, byte[]>> waiting = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = subscriptions.prefixScan(event.key() + SEPARATOR, new StringSerializer())) {
            while (it.hasNext() && waiting.size() < MAX_PER_BATCH) {
                waiting.add(it.next());
            }
        }
        int resumed = 0;
        for (KeyValue<String, byte[]> entry : waiting) {
            Subscribe subscription = (Subscribe) Json.read(entry.value, SubscriptionCommand.class);
            drop(entry.key, subscription);
            if (!now.isBefore(subscription.expiresAt())) {
                continue; // its wait timed out; the run would ignore it
            }
            ResumeStep resume = new ResumeStep(SchemaVersions.CURRENT, subscription.runId(), subscription.stepId(),
                    subscription.attempt(), ResumeStep.Source.EVENT, null, event.key(), data, event.eventId(), now);
            context.forward(new Record<String, Object>(subscription.runId(), resume, clock.millis(), new RecordHeaders()),
                    EventCorrelation.RESUME_SINK);
            resumed++;
        }
        if (waiting.size() == MAX_PER_BATCH) {
            log.warn("event with key '{}' resumed the first {} waiting runs; the others wait for the next event", event.key(), MAX_PER_BATCH);
        }
        log.debug("event with key '{}' ({}) resumes {} runs", event.key(), event.eventId(), resumed);
    }

    static SubscriptionCommand parseSubscription(String recordKey, byte[] value) {
        SubscriptionCommand command = Json.read(value, SubscriptionCommand.class);
        SchemaVersions.check(command.schemaVersion(), command instanceof Subscribe ? Subscribe.TYPE : Unsubscribe.TYPE);
        String problem = WaitForEventSpec.keyProblem(command.key());
        if (problem != null) {
            throw new MalformedRecordException("key " + problem);
        }
        if (!command.key().equals(recordKey)) {
            throw new MalformedRecordException("record key '" + recordKey + "' is not the subscription's key '" + command.key() + "'");
        }
        if (!Ids.isRunId(command.runId()) || !Ids.isSafe(command.stepId()) || command.attempt() < 1) {
            throw new MalformedRecordException("a subscription needs a run_id (UUID), a step_id and an attempt of 1 or more");
        }
        if (command instanceof Subscribe subscribe && subscribe.expiresAt() == null) {
            throw new MalformedRecordException("subscribe needs expires_at");
        }
        return command;
    }

    private void change(SubscriptionCommand command) {
        String key = storeKey(command);
        if (command instanceof Subscribe subscribe) {
            byte[] previous = subscriptions.get(key);
            if (previous != null) {
                drop(key, (Subscribe) Json.read(previous, SubscriptionCommand.class));
            }
            subscriptions.put(key, Json.toBytes(subscribe));
            Instant expires = subscribe.expiresAt().plus(EXPIRY_GRACE);
            expiry.put(expiryKey(expires, key), new byte[0]);
            if (expires.isBefore(sweepFrom)) {
                sweepFrom = expires;
            }
        } else {
            byte[] stored = subscriptions.get(key);
            if (stored != null) {
                drop(key, (Subscribe) Json.read(stored, SubscriptionCommand.class));
            }
        }
    }

    private void drop(String key, Subscribe subscription) {
        subscriptions.delete(key);
        expiry.delete(expiryKey(subscription.expiresAt().plus(EXPIRY_GRACE), key));
    }

    /** Drops the subscriptions whose wait timed out more than {@link #EXPIRY_GRACE} ago. */
    void sweep() {
        Instant now = now();
        if (now.isBefore(sweepFrom)) {
            return;
        }
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = expiry.range(millis(sweepFrom), millis(now) + '\uffff')) {
            while (it.hasNext() && due.size() < MAX_PER_BATCH) {
                due.add(it.next().key);
            }
        }
        sweepFrom = due.size() < MAX_PER_BATCH ? now : Instant.ofEpochMilli(Long.parseLong(due.get(due.size() - 1).substring(0, DIGITS)));
        for (String entry : due) {
            expiry.delete(entry);
            subscriptions.delete(entry.substring(DIGITS + 1));
        }
        if (!due.isEmpty()) {
            log.debug("dropped {} expired event subscriptions", due.size());
        }
    }

    static String storeKey(SubscriptionCommand command) {
        return command.key() + SEPARATOR + command.runId() + SEPARATOR + command.stepId() + SEPARATOR + command.attempt();
    }

    private static String expiryKey(Instant at, String storeKey) {
        return millis(at) + "/" + storeKey;
    }

    private static String millis(Instant instant) {
        String digits = Long.toString(Math.max(0, instant.toEpochMilli()));
        return "0".repeat(Math.max(0, DIGITS - digits.length())) + digits;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private void deadLetter(Record<String, byte[]> record, boolean isEvent, String reason) {
        String topic = isEvent ? Topics.EVENTS : Topics.EVENT_SUBSCRIPTIONS;
        log.warn("dead-lettering record with key {} from {}: {}", record.key(), topic, reason);
        Optional<RecordMetadata> metadata = context.recordMetadata().filter(m -> m.topic() != null);
        Headers headers = metadata.isPresent()
                ? DeadLetters.headers(record.headers(), reason, metadata.get().topic(), metadata.get().partition(), metadata.get().offset())
                : DeadLetters.headers(record.headers(), reason, null, 0, 0);
        deadLetters.count(topic);
        context.forward(new Record<String, Object>(record.key(), record.value(), clock.millis(), headers),
                isEvent ? EventCorrelation.EVENTS_DLT_SINK : EventCorrelation.SUBSCRIPTIONS_DLT_SINK);
    }
}
