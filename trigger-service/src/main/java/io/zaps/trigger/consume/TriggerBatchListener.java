package io.zaps.trigger.consume;

import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.kafka.DeadLetters;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.TraceHeaders;
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
    private final RunTracing tracing;

    /** A listener of the public {@link Topics#TRIGGERS}: a {@code parent} on its records is dropped. */
    public TriggerBatchListener(TriggerIntake intake, WorkflowCatalog catalog, RecordPublisher publisher,
                                KafkaTemplate<String, byte[]> template, Duration publishTimeout, Predicate<String> runRecorded,
                                DeadLetters deadLetters, RunTracing tracing) {
        this(intake, catalog, publisher, template, publishTimeout, runRecorded, false, deadLetters, tracing);
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
     * @param tracing     each trigger is handled in a span continuing the record's trace, with its run in the logging context
     */
    public TriggerBatchListener(TriggerIntake intake, WorkflowCatalog catalog, RecordPublisher publisher,
                                KafkaTemplate<String, byte[]> template, Duration publishTimeout, Predicate<String> runRecorded,
                                boolean internal, DeadLetters deadLetters, RunTracing tracing) {
        this.deadLetters = deadLetters;
        this.tracing = tracing;
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
        // One lookup per workflow and batch (see handle).
        Lookups lookups = new Lookups(new HashMap<>());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            try (RunTracing.RunScope trace = tracing.consume("trigger-service start_run", record.headers(), null)) {
                sends.add(handle(record, lookups, trace));
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

    private CompletableFuture<?> handle(ConsumerRecord<String, byte[]> record, Lookups lookups, RunTracing.RunScope trace) {
        RecordCoordinates at = at(record);
        TriggerRequested trigger;
        try {
            trigger = TriggerIntake.parse(record.value());
        } catch (MalformedRecordException e) {
            log.warn("dead-lettering malformed trigger {}: {}", at, e.getMessage());
            return deadLetter(record, e.getMessage());
        }
        trace.ids(trigger.runId(), trigger.workflowId(), null);
        if (trigger.parent() != null && !internal) {
            log.warn("trigger {} names parent run {} on the public topic; ignoring the parent (only {} links child runs)",
                    at, trigger.parent().runId(), Topics.CALL_TRIGGERS);
            trigger = trigger.withoutParent();
        }
        if (trigger.runId() == null) {
            String derived = TriggerIntake.runId(trigger, at);
            trace.ids(derived, null, null);
            if (runRecorded.test(derived)) {
                log.info("trigger {} (event {}) is a repeat: run {} already exists; starting nothing",
                        at, TriggerIntake.eventId(trigger, at), derived);
                return CompletableFuture.completedFuture(null);
            }
        }
        // A trigger naming the version its requester saw (the gateway's) is looked up as it asks: the view catches up
        // with zaps.workflows only if it lacks that version. Any other trigger gets what was on zaps.workflows when
        // its batch was handled: the view catches up once per batch that has such triggers (one ListOffsets request).
        // Then one lookup per workflow and batch, unless a trigger asks for a newer version than the one looked up.
        Optional<WorkflowDefinition> workflow = lookups.byWorkflow.get(trigger.workflowId());
        if (trigger.workflowVersion() == null && !lookups.synced) {
            catalog.catchUp();
            lookups.synced = true;
            workflow = null;
        }
        if (workflow == null || olderThan(workflow, trigger.workflowVersion())) {
            workflow = trigger.workflowVersion() == null ? catalog.find(trigger.workflowId())
                    : catalog.findForTrigger(trigger.workflowId(), trigger.workflowVersion());
            lookups.byWorkflow.put(trigger.workflowId(), workflow);
        }
        IntakeDecision decision = intake.decide(trigger, at, workflow);
        if (decision instanceof IntakeDecision.Start start) {
            trace.ids(start.runId(), null, null);
            log.debug("run {} of workflow {}: start_run sent", start.runId(), trigger.workflowId());
            return publisher.send(Topics.RUN_COMMANDS, start.runId(), start.command());
        }
        IntakeDecision.Reject reject = (IntakeDecision.Reject) decision;
        trace.ids(reject.runId(), null, null);
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

    /** The workflows looked up while handling one batch, and whether the view caught up for it. */
    private static final class Lookups {
        final Map<String, Optional<WorkflowDefinition>> byWorkflow;
        boolean synced;

        Lookups(Map<String, Optional<WorkflowDefinition>> byWorkflow) {
            this.byWorkflow = byWorkflow;
        }
    }

    private static boolean olderThan(Optional<WorkflowDefinition> workflow, Integer version) {
        if (version == null) {
            return false;
        }
        Integer known = workflow.map(WorkflowDefinition::version).orElse(null);
        return known == null || known < version;
    }

    /** A run event with {@link Topics#HEADER_EVENT_TYPE} and {@link Topics#HEADER_REVISION}, as the executor writes them. */
    static ProducerRecord<String, byte[]> runEvent(String runId, RunEvent event) {
        Headers headers = new RecordHeaders();
        headers.add(Topics.HEADER_EVENT_TYPE, event.type().wireName().getBytes(StandardCharsets.UTF_8));
        headers.add(Topics.HEADER_REVISION, Long.toString(event.run().revision()).getBytes(StandardCharsets.UTF_8));
        TraceHeaders.injectCurrent(headers);
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
