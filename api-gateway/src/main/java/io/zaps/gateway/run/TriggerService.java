package io.zaps.gateway.run;

import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.trigger.TriggerSpec;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.gateway.web.ApiException;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.trace.RunTracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.zaps.store.FileStore;
import io.zaps.store.IdempotencyStore;
import io.zaps.store.RunSummary;
import io.zaps.store.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Accepts a trigger: the run id is assigned here and promised to the caller, the {@link TriggerRequested}
 * record is published and acknowledged by Kafka, then the pending snapshot is kept in {@link AcceptedRuns}
 * (so an immediate GET finds the run; with an idempotency key it is also written to the store) before the
 * caller hears 202. The stored definition was
 * validated when it was saved, so it is not validated again on this hot path, and it is parsed only
 * when its file changed ({@link WorkflowSnapshotCache}).
 *
 * <p>With an idempotency key, the key is claimed in the {@link IdempotencyStore} before anything is
 * written or published: the one caller whose claim wins starts the run, every other caller with the same
 * key (also racing, also on another gateway sharing the data folder) within the window is answered that
 * run's current snapshot and publishes nothing.
 *
 * <p>Admission control ({@link RunAdmission}, {@code zaps.gateway.admission.*}): a new run first reserves a place
 * among the runs this gateway accepted and has not seen end, waiting up to {@code max-wait} for one; when there is none, the trigger is refused with 429 and
 * {@code Retry-After} before anything is claimed or published. A repeat of a known key is answered as before.
 */
@Service
public class TriggerService {
    private static final Logger log = LoggerFactory.getLogger(TriggerService.class);
    private static final Duration REPLAY_WAIT = Duration.ofSeconds(5);
    private static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);

    private final FileStore store;
    private final AcceptedRuns runs;
    private final WorkflowSnapshotCache workflows;
    private final RecordPublisher publisher;
    private final IdempotencyStore idempotency;
    private final RunCatalog catalog;
    private final RunAdmission admission;
    private final Duration admissionWait;
    private final Clock clock;
    private final long publishTimeoutMs;
    private final Duration idempotencyWindow;
    private final RunTracing tracing;

    TriggerService(FileStore store, AcceptedRuns runs, WorkflowSnapshotCache workflows, RecordPublisher publisher, IdempotencyStore idempotency,
                   RunCatalog catalog, RunAdmission admission, Clock clock, GatewayProperties properties, RunTracing tracing) {
        this.tracing = tracing;
        this.store = store;
        this.admission = admission;
        this.admissionWait = properties.admission().maxWait();
        this.catalog = catalog;
        this.runs = runs;
        this.workflows = workflows;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.clock = clock;
        this.publishTimeoutMs = properties.triggerPublishTimeout().toMillis();
        this.idempotencyWindow = properties.idempotencyWindow();
    }

    /**
     * The answer to a trigger.
     *
     * @param run      the new pending run, or the current snapshot of the run the key started before
     * @param replayed true when the idempotency key had already started {@code run}
     */
    public record Triggered(RunSnapshot run, boolean replayed) {}

    public RunSnapshot trigger(String workflowId, ObjectNode context) {
        return trigger(workflowId, context, null).run();
    }

    /** @param idempotencyKey a validated key, or null for none */
    public Triggered trigger(String workflowId, ObjectNode context, String idempotencyKey) {
        return trigger(workflowId, context, idempotencyKey, "api");
    }

    /**
     * @param idempotencyKey a validated key, or null for none
     * @param source         who asks ({@code api}, {@code webhook}): the record's {@code source} and the prefix of its event id
     */
    public Triggered trigger(String workflowId, ObjectNode context, String idempotencyKey, String source) {
        return trigger(workflowId, context, idempotencyKey, source, context);
    }

    /**
     * @param request what the idempotency key is bound to (its canonical hash): a repeat of the key with another
     *                request is refused with 422. The REST trigger binds the context; an inbound webhook only its body
     *                (its context also holds the arrival time and headers, which differ between deliveries)
     */
    public Triggered trigger(String workflowId, ObjectNode context, String idempotencyKey, String source,
                             tools.jackson.databind.JsonNode request) {
        return trigger(workflowId, null, context, idempotencyKey, source, request);
    }

    /**
     * A workflow as {@link #target} found it: an inbound webhook looks its workflow up for the trigger section, and
     * hands it back to {@link #trigger(Target, ObjectNode, String, String, tools.jackson.databind.JsonNode)} so that the
     * workflow is not looked up (a {@code stat} of its file) a second time per request.
     */
    public static final class Target {
        private final WorkflowSnapshotCache.TriggerTarget workflow;

        private Target(WorkflowSnapshotCache.TriggerTarget workflow) {
            this.workflow = workflow;
        }

        /** The parsed trigger section, or null when there is none. */
        public TriggerSpec trigger() {
            return workflow.trigger();
        }
    }

    /** The workflow, or empty when it does not exist. {@code workflowId} must already be a safe id. */
    public Optional<Target> target(String workflowId) {
        return workflows.find(workflowId).map(Target::new);
    }

    /** As {@link #trigger(String, ObjectNode, String, String, tools.jackson.databind.JsonNode)}, for a workflow already looked up. */
    public Triggered trigger(Target target, ObjectNode context, String idempotencyKey, String source,
                             tools.jackson.databind.JsonNode request) {
        return trigger(target.workflow.workflowId(), target.workflow, context, idempotencyKey, source, request);
    }

    /** @param found the workflow if the caller looked it up already, else null */
    private Triggered trigger(String workflowId, WorkflowSnapshotCache.TriggerTarget found, ObjectNode context,
                              String idempotencyKey, String source, tools.jackson.databind.JsonNode request) {
        String fingerprint = idempotencyKey == null ? null : RequestFingerprint.of(source, request);
        Optional<IdempotencyStore.Entry> known = Optional.empty();
        if (idempotencyKey != null) {
            // A repeat is answered even if the workflow was paused since: it asks about the run it already started.
            known = idempotency.find(workflowId, idempotencyKey);
            if (known.isPresent() && !replaceable(known.get())) {
                return replay(known.get(), fingerprint);
            }
        }
        WorkflowSnapshotCache.TriggerTarget workflow = found != null ? found : workflows.find(workflowId)
                .orElseThrow(() -> ApiException.notFound("workflow '" + workflowId + "' does not exist"));
        WorkflowStatus status = workflow.status();
        if (status != WorkflowStatus.ACTIVE) {
            throw ApiException.conflict("workflow '" + workflowId + "' is " + status.wireName() + " and accepts no triggers")
                    .with("workflow_status", status.wireName());
        }
        // A key whose earlier trigger Kafka may or may not have taken (unconfirmed within the timeout, or the gateway
        // died before its answer) is claimed again with the same run id: should the earlier record arrive after all,
        // the executor starts that run id once, so the key never starts two runs.
        String runId = idempotencyKey != null && known.isPresent() && !expired(known.get()) && !known.get().conflictsWith(fingerprint)
                ? known.get().runId() : UUID.randomUUID().toString();
        if (!admission.admit(runId, admissionWait)) {
            throw overloaded();
        }
        Instant now = clock.instant();
        if (idempotencyKey != null) {
            IdempotencyStore.Claim claim;
            try {
                claim = idempotency.claim(workflowId, idempotencyKey,
                        new IdempotencyStore.Entry(runId, now, fingerprint), this::replaceable);
            } catch (RuntimeException e) {
                admission.release(runId);
                throw e;
            }
            if (!claim.created()) {
                admission.release(runId);
                return replay(claim.entry(), fingerprint);
            }
        }
        // The run's trace starts here: the trigger record carries this span's context to the trigger service.
        try (RunTracing.RunScope trace = tracing.start("gateway trigger", SpanKind.PRODUCER, Context.current(), runId, workflowId, null)) {
            return publishTrigger(workflowId, context, idempotencyKey, source, workflow, runId, now, trace);
        }
    }

    private Triggered publishTrigger(String workflowId, ObjectNode context, String idempotencyKey, String source,
                                     WorkflowSnapshotCache.TriggerTarget workflow, String runId, Instant now, RunTracing.RunScope trace) {
        RunSnapshot pending = new RunSnapshot(runId, workflowId, workflow.version(), RunStatus.PENDING, now, null, null, now,
                context, workflow.pendingSteps(), null, null, 0);
        try {
            publisher.sendAndWait(Topics.TRIGGERS, runId,
                    TriggerRequested.of(source + ":" + runId, runId, workflowId, context, source, now)
                            .withWorkflowVersion(workflow.version()), publishTimeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            // The send can also fail before it returns a future (e.g. no metadata within max.block.ms).
            String reason = reason(e);
            trace.failed(e);
            if (unconfirmed(e)) {
                // Kafka did not answer in time, but the producer still holds the record and may deliver it: the run
                // may start. The key stays bound to this run id (a retry with it learns the run, or re-sends the same
                // run id once the key counts as abandoned), and no failed snapshot claims that nothing started. Its
                // admission place is kept: the run may be running (it ends, or stops counting after count-for).
                log.warn("trigger of run {} not confirmed by Kafka: {}", runId, reason);
                throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                        "Kafka did not confirm the trigger in time; run " + runId + " may still start"
                                + (idempotencyKey == null ? "" : ": retry with the same Idempotency-Key to learn its run, never with a new one")
                                + " (" + reason + ")", List.of())
                        .with("run_id", runId);
            }
            admission.release(runId);
            log.warn("trigger of run {} not published: {}", runId, reason);
            markFailed(pending, reason);
            if (idempotencyKey != null) {
                // No run was started, so a retry with the same key must be able to start one.
                releaseQuietly(workflowId, idempotencyKey, runId);
            }
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                    "the trigger could not be handed to Kafka, no run was started: " + reason, List.of())
                    .with("run_id", runId);
        }
        // Only now that Kafka holds the trigger: a gateway killed before this point leaves no pending run
        // that nothing would ever start (a repeat of its key would only replay it). Known before the
        // answer, so an immediate GET finds the run (AcceptedRuns); the projector may have written a
        // newer snapshot of it already, which wins.
        runs.accepted(pending);
        log.debug("run {} of workflow {} accepted: trigger published", runId, workflowId);
        if (idempotencyKey != null) {
            // A repeat of the key may reach another gateway before the projector wrote the run.
            try {
                if (store.createRun(pending)) {
                    catalog.put(RunSummary.of(pending));
                }
            } catch (StoreException e) {
                // The trigger is accepted and the run goes on; its first projected snapshot will show it.
                log.warn("run {} accepted, but its pending snapshot could not be written: {}", runId, e.getMessage());
            }
        }
        return new Triggered(pending, false);
    }

    /**
     * 429 before anything is published or claimed: the caller still holds its trigger and sends it again later. A
     * repeat of a known Idempotency-Key is answered before this point, as it starts nothing.
     */
    /**
     * 429 if a trigger would be refused by admission control (after waiting up to max-wait for a place): for callers that would otherwise do work first (an
     * inbound webhook parses its body and claims its signature). {@link #trigger} checks again, and reserves.
     */
    public void refuseIfOverloaded() {
        if (!admission.awaitRoom(admissionWait)) {
            throw overloaded();
        }
    }

    private ApiException overloaded() {
        String retryAfter = Long.toString(admission.retryAfterSeconds());
        return new ApiException(HttpStatus.TOO_MANY_REQUESTS, "this gateway has " + admission.unfinished()
                + " accepted runs that have not ended yet (zaps.gateway.admission.max-unfinished-runs is "
                + admission.maxUnfinished() + "); nothing was started: send the trigger again after Retry-After ("
                + retryAfter + " s)", List.of())
                .withHeader(org.springframework.http.HttpHeaders.RETRY_AFTER, retryAfter)
                .with("unfinished_runs", admission.unfinished())
                .with("max_unfinished_runs", admission.maxUnfinished());
    }

    /**
     * An entry stops holding its key when the window has passed, or when its run never appeared: the
     * winner writes the pending snapshot once Kafka acknowledged its trigger (or a failed one when
     * Kafka did not), and the projector writes it once the trigger is processed, so a run still
     * missing a while later belongs to a gateway that died before its trigger reached Kafka (or was
     * pruned by retention).
     */
    private boolean replaceable(IdempotencyStore.Entry entry) {
        if (expired(entry)) {
            return true;
        }
        return entry.createdAt().plus(ABANDONED_AFTER).isBefore(clock.instant()) && runs.find(entry.runId()).isEmpty();
    }

    private boolean expired(IdempotencyStore.Entry entry) {
        return !entry.createdAt().plus(idempotencyWindow).isAfter(clock.instant());
    }

    /**
     * Whether the send's outcome is unknown: our wait for the acknowledgement ended (timeout, interrupt) while the
     * producer may still deliver the record. A send Kafka refused or never took (no metadata within max.block.ms, a
     * record too large) is not.
     */
    static boolean unconfirmed(Exception e) {
        return e instanceof RecordPublisher.PublishException
                && (e.getCause() instanceof java.util.concurrent.TimeoutException || e.getCause() instanceof InterruptedException);
    }

    /**
     * The winner of a race writes the pending snapshot just after its claim: wait for it briefly. A key reused for a
     * different request (another context) is refused with 422 rather than answered with a run that did something else.
     */
    private Triggered replay(IdempotencyStore.Entry entry, String fingerprint) {
        if (entry.conflictsWith(fingerprint)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY,
                    "this Idempotency-Key was already used with a different request body; use a new key for a new request",
                    List.of(new io.zaps.contract.workflow.Violation("Idempotency-Key", "reused with a different request body")))
                    .with("run_id", entry.runId());
        }
        long deadline = System.nanoTime() + REPLAY_WAIT.toNanos();
        while (true) {
            Optional<RunSnapshot> run = runs.find(entry.runId());
            if (run.isPresent()) {
                return new Triggered(run.get(), true);
            }
            if (System.nanoTime() - deadline > 0) {
                throw ApiException.conflict("a trigger with this Idempotency-Key is still being accepted; retry shortly")
                        .with("run_id", entry.runId());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for run " + entry.runId(), e);
            }
        }
    }

    private void releaseQuietly(String workflowId, String idempotencyKey, String runId) {
        try {
            idempotency.release(workflowId, idempotencyKey, runId);
        } catch (RuntimeException e) {
            log.warn("could not release the idempotency key of run {}: {}", runId, e.getMessage());
        }
    }

    /** Spring wraps Kafka's own message ("... not present in metadata after 10000 ms") in "Send failed". */
    private static String reason(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == e ? message : e.getMessage() + ": " + message;
    }

    /**
     * Revision 1 replaces the pending snapshot. Should the record still reach Kafka after the timeout,
     * the executor's snapshots (revision 1 and up) take over again from its second change on.
     */
    private void markFailed(RunSnapshot pending, String reason) {
        Instant now = clock.instant();
        RunSnapshot failed = new RunSnapshot(pending.runId(), pending.workflowId(), pending.workflowVersion(), RunStatus.FAILED,
                pending.createdAt(), null, now, now, pending.context(), pending.steps(), null,
                "the trigger was not accepted by Kafka: " + reason, 1);
        try {
            if (store.saveRunIfNewer(failed)) {
                catalog.put(RunSummary.of(failed));
            }
        } catch (RuntimeException e) {
            log.warn("could not mark run {} failed: {}", pending.runId(), e.getMessage());
        }
    }
}
