package io.zaps.trigger.consume;

import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.kafka.DeadLetters;
import io.zaps.kafka.RecordPublisher;
import io.zaps.store.CorruptFileException;
import io.zaps.store.StoreException;
import io.zaps.trigger.intake.IntakeDecision;
import io.zaps.trigger.intake.RecordCoordinates;
import io.zaps.trigger.intake.TriggerIntake;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kafka shell around {@link TriggerIntake}: for each record of a batch parse, look up the
 * workflow, decide and send without waiting; then wait until Kafka acknowledged every send of the
 * batch before returning, so the container commits the batch's offsets only after its outcomes are
 * durable (at-least-once; a repeat is harmless because run ids are deterministic).
 *
 * <p>Records that cannot be started (malformed, unknown or inactive workflow) are dead-lettered by
 * this class, in the same shape as zaps-kafka's error handler writes them, and the batch goes on.
 * Only infrastructure failures (a send not acknowledged, the data folder unreadable) are thrown as
 * {@link BatchListenerFailedException} naming the first affected record: the error handler commits
 * the records before it and retries from it with backoff, then dead-letters it.
 */
public final class TriggerBatchListener implements BatchMessageListener<String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(TriggerBatchListener.class);

    private final TriggerIntake intake;
    private final WorkflowCatalog catalog;
    private final RecordPublisher publisher;
    private final KafkaTemplate<String, byte[]> template;
    private final Duration publishTimeout;
    private final Predicate<String> runRecorded;
    private final boolean internal;
    private final DeadLetters deadLetters;

    /** A listener of the public {@link Topics#TRIGGERS}: a {@code parent} on its records is dropped. */
    public TriggerBatchListener(TriggerIntake intake, WorkflowCatalog catalog, RecordPublisher publisher,
                                KafkaTemplate<String, byte[]> template, Duration publishTimeout, Predicate<String> runRecorded,
                                DeadLetters deadLetters) {
        this(intake, catalog, publisher, template, publishTimeout, runRecorded, false, deadLetters);
    }

    /**
     * @param runRecorded whether the run store already holds a run: a trigger without a {@code run_id} whose derived
     *                    run is stored is a repeat of an event seen before and starts nothing. The executor ignores a
     *                    repeated start only while it remembers the run (its finished-run window); the store keeps runs
     *                    for the retention period, so this makes an {@code event_id} start one run for that long.
     * @param internal    whether the records come from {@link Topics#CALL_TRIGGERS}, which only the executor writes: only
     *                    then is a trigger's {@code parent} believed. On the public topic anyone may write one, and a parent
     *                    link would let them make a run another run's child (shown as such, and telling that run's step
     *                    how it ended, or failing the step at once by naming an unknown workflow); so it is dropped there
     *                    and the run starts as an ordinary one.
     * @param deadLetters  writes and counts this listener's dead letters
     */
    public TriggerBatchListener(TriggerIntake intake, WorkflowCatalog catalog, RecordPublisher publisher,
                                KafkaTemplate<String, byte[]> template, Duration publishTimeout, Predicate<String> runRecorded,
                                boolean internal, DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
        this.internal = internal;
        this.runRecorded = runRecorded;
        this.intake = intake;
        this.catalog = catalog;
        this.publisher = publisher;
        this.template = template;
        this.publishTimeout = publishTimeout;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
        List<CompletableFuture<?>> sends = new ArrayList<>(records.size());
        // One lookup per workflow and batch: a burst for one workflow stats its file once.
        Map<String, Optional<WorkflowDefinition>> lookups = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            try {
                sends.add(handle(records.get(i), lookups));
            } catch (StoreException e) {
                awaitAcknowledged(records, sends);
                throw failed(i, "cannot look up the workflow of trigger " + at(records.get(i)) + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                // e.g. the producer refusing a send outright: blame this record, not the whole batch
                awaitAcknowledged(records, sends);
                throw failed(i, "cannot handle trigger " + at(records.get(i)) + ": " + e.getMessage(), e);
            }
        }
        awaitAcknowledged(records, sends);
    }

    private CompletableFuture<?> handle(ConsumerRecord<String, byte[]> record, Map<String, Optional<WorkflowDefinition>> lookups) {
        RecordCoordinates at = at(record);
        TriggerRequested trigger;
        try {
            trigger = TriggerIntake.parse(record.value());
        } catch (MalformedRecordException e) {
            log.warn("dead-lettering malformed trigger {}: {}", at, e.getMessage());
            return deadLetter(record, e.getMessage());
        }
        if (trigger.parent() != null && !internal) {
            log.warn("trigger {} names parent run {} on the public topic; ignoring the parent (only {} links child runs)",
                    at, trigger.parent().runId(), Topics.CALL_TRIGGERS);
            trigger = trigger.withoutParent();
        }
        if (trigger.runId() == null) {
            String derived = TriggerIntake.runId(trigger, at);
            if (runRecorded.test(derived)) {
                log.info("trigger {} (event {}) is a repeat: run {} already exists; starting nothing",
                        at, TriggerIntake.eventId(trigger, at), derived);
                return CompletableFuture.completedFuture(null);
            }
        }
        IntakeDecision decision;
        try {
            Optional<WorkflowDefinition> workflow = lookups.get(trigger.workflowId());
            if (workflow == null) {
                workflow = catalog.find(trigger.workflowId());
                lookups.put(trigger.workflowId(), workflow);
            }
            decision = intake.decide(trigger, at, workflow);
        } catch (CorruptFileException e) {
            decision = intake.reject(trigger, at, "workflow '" + trigger.workflowId() + "' cannot be read: " + e.getMessage());
        }
        if (decision instanceof IntakeDecision.Start start) {
            return publisher.send(Topics.RUN_COMMANDS, start.runId(), start.command());
        }
        IntakeDecision.Reject reject = (IntakeDecision.Reject) decision;
        log.warn("rejecting trigger {} (run {}): {}", at, reject.runId(), reject.reason());
        if (reject.toParent() != null) {
            return CompletableFuture.allOf(
                    deadLetter(record, reject.reason()),
                    template.send(runEvent(reject.runId(), reject.event())),
                    publisher.send(Topics.RUN_COMMANDS, reject.toParent().runId(), reject.toParent()));
        }
        return CompletableFuture.allOf(
                deadLetter(record, reject.reason()),
                template.send(runEvent(reject.runId(), reject.event())));
    }

    /** A run event with {@link Topics#HEADER_EVENT_TYPE} and {@link Topics#HEADER_REVISION}, as the executor writes them. */
    static ProducerRecord<String, byte[]> runEvent(String runId, RunEvent event) {
        Headers headers = new RecordHeaders();
        headers.add(Topics.HEADER_EVENT_TYPE, event.type().wireName().getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_REVISION, Long.toString(event.run().revision()).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(Topics.RUN_EVENTS, null, runId, Json.toBytes(event), headers);
    }

    private CompletableFuture<?> deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        return template.send(deadLetters.of(record, reason));
    }

    /**
     * Waits, in record order, for every send; the first one that failed or is still missing when the
     * publish timeout is up names the record the error handler starts again from.
     */
    private void awaitAcknowledged(List<ConsumerRecord<String, byte[]>> records, List<CompletableFuture<?>> sends) {
        long deadline = System.nanoTime() + publishTimeout.toNanos();
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                throw failed(i, "could not publish the outcome of trigger " + at(records.get(i)) + ": " + cause.getMessage(), cause);
            } catch (TimeoutException e) {
                throw failed(i, "Kafka did not acknowledge the outcome of trigger " + at(records.get(i))
                        + " within " + publishTimeout.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failed(i, "interrupted while publishing the outcome of trigger " + at(records.get(i)), e);
            }
        }
    }

    /** Tells the error handler which record of the batch failed: it commits those before and retries from it. */
    private static BatchListenerFailedException failed(int index, String message, Throwable original) {
        return new BatchListenerFailedException(message, new TriggerFailedException(message, original), index);
    }

    private static RecordCoordinates at(ConsumerRecord<?, ?> record) {
        return new RecordCoordinates(record.topic(), record.partition(), record.offset());
    }
}
