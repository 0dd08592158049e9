package io.zaps.gateway.projection;

import io.zaps.contract.Topics;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.RunSummary;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runs other gateways project: which partitions of {@link Topics#RUN_EVENTS} this gateway's {@link RunProjector}
 * holds, and, for the events of every other partition, what the {@link RunCatalog} shows of their runs.
 *
 * <p>Several gateways sharing a data folder split the partitions in the projector's group; each projector tells its
 * own catalog what it wrote. The events of the other partitions reach a gateway through its run-event tail
 * ({@code io.zaps.gateway.hook.RunEndTail}: every partition, no consumer group), which hands them here
 * ({@link #offer}): per run the newest snapshot of the poll (picked by its {@link Topics#HEADER_REVISION} header,
 * only that one parsed, checked as the projector checks it) is summarized and {@linkplain RunCatalog#heard heard}.
 * An event of a partition projected here costs the tail one set lookup ({@link #projectedHere}) and nothing else.
 *
 * <p><b>Handover.</b> When the projector loses a partition (a rebalance), the events after the last batch it
 * projected there go to the gateway that takes it over, and the tail may already have passed them as "projected
 * here". So the projector leaves the offset it reached ({@link #revoked}), and the tail reads the partition again from
 * there ({@link #takeHandovers}), now as another gateway's. Reading an event twice is harmless: the catalog never
 * replaces a revision with a lower or equal one.
 */
@Component
public class OtherGatewaysRuns {
    private static final Logger log = LoggerFactory.getLogger(OtherGatewaysRuns.class);

    private final RunCatalog catalog;
    /** Replaced whole on every change, so that the tail reads it without a lock. */
    private volatile Set<Integer> projected = Set.of();
    /** Partition to the offset the tail goes back to (the lowest, when several handovers wait); as many as partitions. */
    private final Map<Integer, Long> handovers = new ConcurrentHashMap<>();

    public OtherGatewaysRuns(RunCatalog catalog) {
        this.catalog = catalog;
    }

    /** Whether this gateway's projector holds the partition now (and so tells the catalog about its runs itself). */
    public boolean projectedHere(int partition) {
        return projected.contains(partition);
    }

    /** The partitions this gateway's projector holds now. */
    public Set<Integer> projected() {
        return projected;
    }

    /** The projector was given {@code partitions} (besides those it holds). */
    public synchronized void assigned(Collection<TopicPartition> partitions) {
        Set<Integer> now = new HashSet<>(projected);
        partitions.stream().filter(p -> Topics.RUN_EVENTS.equals(p.topic())).forEach(p -> now.add(p.partition()));
        projected = Set.copyOf(now);
    }

    /**
     * The projector lost {@code partitions}; {@code reached} is, per partition, the offset after the last event it
     * projected (none: nothing to hand over).
     */
    public synchronized void revoked(Collection<TopicPartition> partitions, Map<Integer, Long> reached) {
        List<Integer> lost = partitions.stream().filter(p -> Topics.RUN_EVENTS.equals(p.topic())).map(TopicPartition::partition).toList();
        Set<Integer> now = new HashSet<>(projected);
        lost.forEach(now::remove);
        // first no longer "projected here", then the handover: what the tail reads from now on it reads as foreign
        projected = Set.copyOf(now);
        for (Integer partition : lost) {
            Long offset = reached.get(partition);
            if (offset != null) {
                handovers.merge(partition, offset, Math::min);
            }
        }
    }

    /** The partitions to read again and from which offset, each handed out once; empty nearly always. */
    public Map<Integer, Long> takeHandovers() {
        if (handovers.isEmpty()) {
            return Map.of();
        }
        Map<Integer, Long> taken = new HashMap<>();
        for (Integer partition : List.copyOf(handovers.keySet())) {
            Long offset = handovers.remove(partition);
            if (offset != null) {
                taken.put(partition, offset);
            }
        }
        return taken;
    }

    /**
     * Events of partitions another gateway projects, in the order polled: the newest snapshot of each run goes to the
     * catalog. A record that cannot be read is skipped (the owning projector dead-letters it).
     */
    public void offer(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, ConsumerRecord<String, byte[]>> newest = new LinkedHashMap<>();
        Map<String, Long> revisions = new HashMap<>();
        List<ConsumerRecord<String, byte[]>> untyped = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.value() == null) {
                continue; // a tombstone, or a value that failed to deserialize
            }
            long revision = RunProjector.headerRevision(record);
            if (revision < 0) {
                untyped.add(record);
            } else if (revision > revisions.getOrDefault(record.key(), -1L)) {
                revisions.put(record.key(), revision);
                newest.put(record.key(), record);
            }
        }
        for (ConsumerRecord<String, byte[]> record : untyped) {
            heard(record, -1);
        }
        for (Map.Entry<String, ConsumerRecord<String, byte[]>> entry : newest.entrySet()) {
            heard(entry.getValue(), revisions.get(entry.getKey()));
        }
    }

    private void heard(ConsumerRecord<String, byte[]> record, long headerRevision) {
        try {
            RunSnapshot run = RunProjector.snapshot(record);
            if (headerRevision >= 0) {
                RunProjector.checkHeaders(record, run, headerRevision);
            }
            catalog.heard(RunSummary.of(run));
        } catch (RuntimeException e) {
            log.debug("run {}: an event of another gateway's partition {} is skipped: {}", record.key(), record.partition(), e.getMessage());
        }
    }
}
