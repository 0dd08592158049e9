package io.zaps.trigger.source.ownership;

import io.zaps.trigger.source.WorkflowOwnership;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * {@link WorkflowOwnership} from the consumer-group assignment of the triggers topic: this instance owns a workflow
 * while one of its consumers of {@code topic} is assigned {@link WorkflowPartitions#partitionOf the workflow's
 * partition}. Registered as the rebalance listener of the triggers container (next to its other listeners), so the
 * assignment is tracked for every consumer thread of the container.
 *
 * <p><b>Hand-over without overlap.</b> A source that fires something for a workflow does so inside
 * {@link #runIfOwned}: the check and the action (publish, wait for Kafka's acknowledgement, persist the source's
 * cursor) run under a shared lock, and a revocation takes the exclusive lock before it gives partitions up. So when
 * the group moves a partition to another instance, every action this instance started for that partition's workflows
 * has finished (and Kafka acknowledged its cursor on {@code zaps.trigger-cursors}) before the new owner is assigned the
 * partition, catches up with that topic and reads the cursor.
 *
 * <p>Listeners registered with {@link #onChange} are told after every change (from the consumer's thread: they must
 * only take note, e.g. wake a source up).
 */
public final class PartitionOwnership implements WorkflowOwnership, ConsumerAwareRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(PartitionOwnership.class);

    private final String topic;
    private final String instanceId;
    private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock fence = new ReentrantReadWriteLock();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong version = new AtomicLong();
    private volatile int partitionCount;

    /**
     * @param topic      the triggers topic
     * @param instanceId names this instance in the log
     */
    public PartitionOwnership(String topic, String instanceId) {
        this.topic = topic;
        this.instanceId = instanceId;
    }

    @Override
    public boolean owns(String workflowId) {
        int count = partitionCount;
        return count > 0 && assigned.contains(WorkflowPartitions.partitionOf(workflowId, count));
    }

    /**
     * Runs {@code action} if this instance owns {@code workflowId}, holding off any revocation until it returns.
     *
     * @return whether it ran
     */
    public boolean runIfOwned(String workflowId, Runnable action) {
        return callIfOwned(workflowId, () -> {
            action.run();
            return Boolean.TRUE;
        }) != null;
    }

    /** Like {@link #runIfOwned}, answering the action's result, or {@code null} when not owned. */
    public <T> T callIfOwned(String workflowId, Supplier<T> action) {
        fence.readLock().lock();
        try {
            return owns(workflowId) ? action.get() : null;
        } finally {
            fence.readLock().unlock();
        }
    }

    /** Adds a listener told after each change of the assignment. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Grows with every change of the assignment: a source that cached what it read while owning can tell it is stale. */
    public long version() {
        return version.get();
    }

    /** The assigned partitions of the triggers topic (for logs and tests). */
    public SortedSet<Integer> assignedPartitions() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(assigned));
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        refreshPartitionCount(consumer);
        assigned(partitions);
    }

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        revoked(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        revoked(partitions);
    }

    /** Takes {@code partitions} (of any topic; only the triggers topic counts) as assigned to this instance. */
    void assigned(Collection<TopicPartition> partitions) {
        boolean changed = false;
        for (TopicPartition partition : partitions) {
            if (partition.topic().equals(topic)) {
                changed |= assigned.add(partition.partition());
            }
        }
        if (changed) {
            changed();
        }
    }

    /** Gives {@code partitions} up, after every action running under {@link #runIfOwned} has finished. */
    void revoked(Collection<TopicPartition> partitions) {
        boolean changed = false;
        fence.writeLock().lock();
        try {
            for (TopicPartition partition : partitions) {
                if (partition.topic().equals(topic)) {
                    changed |= assigned.remove(partition.partition());
                }
            }
        } finally {
            fence.writeLock().unlock();
        }
        if (changed) {
            changed();
        }
    }

    void partitionCount(int count) {
        partitionCount = count;
    }

    private void refreshPartitionCount(Consumer<?, ?> consumer) {
        if (consumer == null) {
            return;
        }
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                partitionCount = infos.size();
            }
        } catch (RuntimeException e) {
            // Keeps the last known count; with none yet this instance owns nothing until the next assignment.
            log.warn("cannot read the partition count of {}: {}", topic, e.getMessage());
        }
    }

    private void changed() {
        version.incrementAndGet();
        log.info("instance {} owns the workflows of partitions {} of {} ({} partitions)", instanceId, assignedPartitions(), topic, partitionCount);
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("ownership listener failed: {}", e.toString());
            }
        }
    }
}
