package io.zaps.trigger.source;

/**
 * Which workflows' trigger sources (schedules, mailboxes) this trigger-service instance runs. Instances split the
 * workflows through Kafka's consumer-group assignment of {@link io.zaps.contract.Topics#TRIGGERS}: an instance owns a
 * workflow while it is assigned the partition that the workflow id hashes to, so two instances never run the same
 * source at once (short overlaps during a rebalance are harmless: every run id is derived from what fired it).
 */
public interface WorkflowOwnership {
    /** Whether this instance runs {@code workflowId}'s trigger source now. */
    boolean owns(String workflowId);

    /** Every workflow is owned (a single instance; tests). */
    WorkflowOwnership ALL = workflowId -> true;
}
