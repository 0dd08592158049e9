package io.zaps.trigger.source;

import java.util.function.Supplier;

/**
 * Which workflows' trigger sources (schedules, mailboxes) this trigger-service instance runs. Instances split the
 * workflows through Kafka's consumer-group assignment of {@link io.zaps.contract.Topics#TRIGGERS}: an instance owns a
 * workflow while it is assigned the partition that the workflow id hashes to, so two instances never run the same
 * source at once (short overlaps during a rebalance are harmless: every run id is derived from what fired it).
 */
public interface WorkflowOwnership {
    /** Whether this instance runs {@code workflowId}'s trigger source now. */
    boolean owns(String workflowId);

    /**
     * Runs {@code action} if this instance owns {@code workflowId} and answers its result, or {@code null} when it does
     * not own it. Implementations that hand workflows over (PartitionOwnership) hold the hand-over off until the action
     * returned, so a source that publishes and then persists its cursor inside the action leaves the new owner a cursor
     * that is up to date. This default only checks, then runs.
     */
    default <T> T callIfOwned(String workflowId, Supplier<T> action) {
        return owns(workflowId) ? action.get() : null;
    }

    /** Every workflow is owned (a single instance; tests). */
    WorkflowOwnership ALL = workflowId -> true;
}
