package io.zaps.trigger.source.ownership;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/**
 * The partition of {@link io.zaps.contract.Topics#TRIGGERS} a workflow belongs to: Kafka's default partitioner
 * formula for a record keyed by the workflow id ({@code toPositive(murmur2(utf8(id))) % partitions}), so a
 * {@code trigger_requested} keyed by the workflow id lands on the partition of the instance that owns it.
 */
public final class WorkflowPartitions {
    private WorkflowPartitions() {}

    public static int partitionOf(String workflowId, int partitionCount) {
        if (partitionCount < 1) {
            throw new IllegalArgumentException("partition count must be positive, was " + partitionCount);
        }
        return Utils.toPositive(Utils.murmur2(workflowId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
    }
}
