package io.zaps.kafka.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.kafka.view.CompactedTopicView;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The current workflow definitions, kept in memory from {@link Topics#WORKFLOWS} (a {@link CompactedTopicView}). Per
 * workflow it keeps the record with the highest version (at the same version the delete), so a repeated or late record of
 * an older version changes nothing, and a {@code workflow_deleted} record hides the workflow until a higher version is
 * saved. {@link #awaitCaughtUp} gives a reader the definitions the gateway published before the call.
 */
public final class WorkflowView extends CompactedTopicView<WorkflowRecord> {
    /** Before the listener containers and the trigger sources, which read the view. */
    public static final int PHASE = CompactedTopicView.PHASE;

    /**
     * @param consumers   makes the view's consumer (String keys, byte[] values; the service's client settings)
     * @param loadTimeout how long {@link #start()} waits for the topic to be read to its end; zero: it does not wait
     */
    public WorkflowView(CompactedTopicView.Consumers consumers, Duration loadTimeout) {
        super(Topics.WORKFLOWS, consumers, loadTimeout);
    }

    /**
     * A view whose consumer has the client settings of {@code factory} (bootstrap servers, security), its own client id,
     * no consumer group, and reads committed records only.
     */
    public static WorkflowView of(ConsumerFactory<?, ?> factory, String clientId, Duration loadTimeout) {
        return new WorkflowView(consumers(factory, clientId), loadTimeout);
    }

    /** The current definition of {@code workflowId}; empty when it was never saved or was deleted. */
    public Optional<WorkflowDefinition> find(String workflowId) {
        WorkflowRecord record = latest(workflowId);
        return record == null || record.isDeleted() ? Optional.empty() : Optional.ofNullable(record.workflow());
    }

    /**
     * The highest version the view has seen of {@code workflowId}, saved or deleted; 0 when none. What the gateway
     * compares with its files to publish what the topic lacks.
     */
    public int version(String workflowId) {
        WorkflowRecord record = latest(workflowId);
        return record == null ? 0 : record.version();
    }

    /** Whether the latest record of {@code workflowId} says it was deleted. */
    public boolean deleted(String workflowId) {
        WorkflowRecord record = latest(workflowId);
        return record != null && record.isDeleted();
    }

    /** The ids of every current (not deleted) workflow, in id order. */
    public Set<String> ids() {
        return keysWhere(record -> !record.isDeleted());
    }

    /** Applies one record of the topic, as the poll loop does (for tests). */
    void applyRecord(String key, byte[] value) {
        apply(key, value);
    }

    @Override
    protected WorkflowRecord read(byte[] value) {
        return Json.read(value, WorkflowRecord.class).validated();
    }

    @Override
    protected String keyOf(WorkflowRecord record) {
        return record.workflowId();
    }

    /**
     * The record to keep: the higher version; at the same version a delete, which removes that version after it was
     * saved (a save of the version a delete removed is a late repeat).
     */
    @Override
    protected WorkflowRecord newer(WorkflowRecord old, WorkflowRecord incoming) {
        if (incoming.version() > old.version()) {
            return incoming;
        }
        return incoming.version().equals(old.version()) && incoming.isDeleted() && !old.isDeleted() ? incoming : old;
    }
}
