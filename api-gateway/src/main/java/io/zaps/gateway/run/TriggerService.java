package io.zaps.gateway.run;

import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.web.ApiException;
import io.zaps.kafka.RecordPublisher;
import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Accepts a trigger: the run id is assigned here and promised to the caller, the pending snapshot is
 * written first (so an immediate GET finds the run), then the {@link TriggerRequested} record is
 * published and acknowledged by Kafka before the caller hears 202. The stored definition was
 * validated when it was saved, so it is not validated again on this hot path, and it is parsed only
 * when its file changed ({@link WorkflowSnapshotCache}).
 */
@Service
public class TriggerService {
    private static final Logger log = LoggerFactory.getLogger(TriggerService.class);

    private final FileStore store;
    private final WorkflowSnapshotCache workflows;
    private final RecordPublisher publisher;
    private final Clock clock;
    private final long publishTimeoutMs;

    TriggerService(FileStore store, WorkflowSnapshotCache workflows, RecordPublisher publisher, Clock clock, GatewayProperties properties) {
        this.store = store;
        this.workflows = workflows;
        this.publisher = publisher;
        this.clock = clock;
        this.publishTimeoutMs = properties.triggerPublishTimeout().toMillis();
    }

    public RunSnapshot trigger(String workflowId, ObjectNode context) {
        WorkflowSnapshotCache.TriggerTarget workflow = workflows.find(workflowId)
                .orElseThrow(() -> ApiException.notFound("workflow '" + workflowId + "' does not exist"));
        WorkflowStatus status = workflow.status();
        if (status != WorkflowStatus.ACTIVE) {
            throw ApiException.conflict("workflow '" + workflowId + "' is " + status.wireName() + " and accepts no triggers")
                    .with("workflow_status", status.wireName());
        }
        String runId = UUID.randomUUID().toString();
        Instant now = clock.instant();
        RunSnapshot pending = new RunSnapshot(runId, workflowId, workflow.version(), RunStatus.PENDING, now, null, null, now,
                context, workflow.pendingSteps(), null, null, 0);
        if (!store.createRun(pending)) {
            // A random UUID colliding means something is badly wrong; never overwrite another run.
            throw new IllegalStateException("run " + runId + " already exists");
        }
        try {
            publisher.sendAndWait(Topics.TRIGGERS, runId,
                    TriggerRequested.of("api:" + runId, runId, workflowId, context, "api", now), publishTimeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            // The send can also fail before it returns a future (e.g. no metadata within max.block.ms).
            String reason = reason(e);
            log.warn("trigger of run {} not published: {}", runId, reason);
            markFailed(pending, reason);
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                    "the trigger could not be handed to Kafka, no run was started: " + reason, List.of())
                    .with("run_id", runId);
        }
        return pending;
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
            store.saveRunIfNewer(failed);
        } catch (RuntimeException e) {
            log.warn("could not mark run {} failed: {}", pending.runId(), e.getMessage());
        }
    }
}
