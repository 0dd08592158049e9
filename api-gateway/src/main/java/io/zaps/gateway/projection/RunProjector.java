package io.zaps.gateway.projection;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.gateway.run.AcceptedRuns;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.TraceHeaders;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.zaps.store.FileStore;
import io.zaps.store.RunSummary;
import io.zaps.store.StoreException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Projects {@link Topics#RUN_EVENTS} into {@code <data>/runs/<run_id>.json}. Each event carries the
 * whole snapshot, so per run only the highest revision of a batch is written, and
 * {@link FileStore#saveRunIfNewer} never lets a snapshot replace a higher revision: replaying the
 * topic (a new consumer group, see {@code zaps.gateway.projector-group}) is harmless and rebuilds
 * the store.
 *
 * <p>Events written by Zaps carry {@link Topics#HEADER_REVISION} and {@link Topics#HEADER_EVENT_TYPE}:
 * the newest event of each run in a batch is picked by its header and only its JSON is parsed (and
 * checked against the header); an event superseded in the same batch by a newer one of the same run
 * is not read at all. Events without usable headers (outside producers) are parsed one by one.
 *
 * <p>What this projector wrote last is remembered per run ({@link FileStore.RunFileStamp}, per
 * assigned partition, bounded, forgotten on rebalance), so the next save of a run need not read its
 * file back while nobody else replaced it.
 *
 * <p>Every snapshot written is told to the {@link RunCatalog} (run listings, and the run stream through it); one
 * the store refused (an older or repeated revision) is not. Every final snapshot saved (written, or already there) is
 * told to the {@link RunEndListener}s, so that a webhook waiting for its run is answered at once.
 *
 * <p>A malformed record is dead-lettered alone: the records before it are applied, then
 * {@link BatchListenerFailedException} tells the shared error handler (zaps-kafka) its index, and the
 * records after it are delivered again.
 *
 * <p>Which partitions it holds, and where it stopped in one it loses, it tells {@link OtherGatewaysRuns}: with several
 * gateways, the run-event tail shows in the catalog the runs of the partitions projected elsewhere.
 *
 * <p>Each snapshot written is timed from its event's Kafka timestamp to the file's rename:
 * {@code zaps_projector_lag_seconds}, a histogram (how far the JSON store, and so the API, trails the executor).
 */
@Component
class RunProjector implements ConsumerSeekAware {
    private static final Logger log = LoggerFactory.getLogger(RunProjector.class);
    /** Remembered runs per partition; finished runs are forgotten at once, so this bounds only unusual loads. */
    static final int MAX_STAMPS_PER_PARTITION = 10_000;

    private final FileStore store;
    private final AcceptedRuns accepted;
    private final RunCatalog catalog;
    private final List<RunEndListener> ends;
    static final String LAG = "zaps.projector.lag";

    private final RunTracing tracing;
    private final Map<TopicPartition, Map<String, FileStore.RunFileStamp>> stamps = new ConcurrentHashMap<>();
    private final Timer lag;
    private final OtherGatewaysRuns others;
    /** Per assigned partition, the offset after the last batch projected whole (its position when assigned before). */
    private final Map<Integer, Long> reached = new ConcurrentHashMap<>();

    RunProjector(FileStore store, AcceptedRuns accepted, RunCatalog catalog, ObjectProvider<RunEndListener> ends, RunTracing tracing,
                 ObjectProvider<MeterRegistry> meters, OtherGatewaysRuns others) {
        this.tracing = tracing;
        this.others = others;
        MeterRegistry registry = meters.getIfAvailable(SimpleMeterRegistry::new);
        this.lag = Timer.builder(LAG).description("Run events from their Kafka timestamp to the run's JSON file written")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
        this.store = store;
        this.accepted = accepted;
        this.catalog = catalog;
        this.ends = ends.orderedStream().toList();
    }

    @KafkaListener(id = "zaps-run-projector", topics = Topics.RUN_EVENTS, batch = "true",
            groupId = "${zaps.gateway.projector-group:zaps-run-projector}")
    void project(List<ConsumerRecord<String, byte[]>> records) {
        // Per run key, the index of the record with the highest revision header (first one on a tie).
        Map<String, Integer> newest = new HashMap<>();
        long[] revisions = new long[records.size()];
        boolean[] tombstones = new boolean[records.size()];
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            tombstones[i] = isTombstone(record);
            revisions[i] = tombstones[i] ? -1 : headerRevision(record);
            if (revisions[i] >= 0) {
                newest.merge(record.key(), i, (old, now) -> revisions[now] > revisions[old] ? now : old);
            }
        }
        Map<String, Latest> latest = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            boolean byHeader = revisions[i] >= 0;
            if (tombstones[i] || (byHeader && newest.get(record.key()) != i)) {
                continue;
            }
            RunSnapshot snapshot;
            try {
                snapshot = snapshot(record);
                if (byHeader) {
                    checkHeaders(record, snapshot, revisions[i]);
                }
            } catch (MalformedRecordException e) {
                save(latest);
                throw new BatchListenerFailedException(e.getMessage(), e, i);
            }
            latest.merge(snapshot.runId(), new Latest(snapshot, i, record.partition(), TraceHeaders.extract(record.headers()), record.timestamp()),
                    (old, now) -> now.snapshot.revision() > old.snapshot.revision()
                            ? new Latest(now.snapshot, old.firstIndex, now.partition, now.trace, now.timestamp) : old);
        }
        save(latest);
        reached(records);
    }

    /** The batch is projected whole: should a partition of it be revoked, another gateway projects from here on. */
    private void reached(List<ConsumerRecord<String, byte[]>> records) {
        int partition = -1;
        long next = -1;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.partition() != partition && partition >= 0) {
                reached.merge(partition, next, Math::max);
            }
            partition = record.partition();
            next = record.offset() + 1;
        }
        if (partition >= 0) {
            reached.merge(partition, next, Math::max);
        }
    }

    /** Runs are saved in the order they first appear, so a failure can name the first record not yet applied. */
    private void save(Map<String, Latest> latest) {
        for (Latest entry : latest.values()) {
            // The write is a span of the run's trace (a child of the executor's span that published the newest event).
            try (RunTracing.RunScope trace = tracing.start("projector write", SpanKind.CONSUMER, entry.trace, entry.snapshot.runId(),
                    entry.snapshot.workflowId(), null)) {
                save(entry, trace);
            }
        }
        latest.clear();
    }

    private void save(Latest entry, RunTracing.RunScope trace) {
        String runId = entry.snapshot.runId();
        Map<String, FileStore.RunFileStamp> known = stampsOf(entry.partition);
        FileStore.RunFileStamp before = known.get(runId);
        FileStore.RunFileStamp stamp;
        try {
            stamp = store.saveRunIfNewer(entry.snapshot, before);
        } catch (StoreException e) {
            trace.failed(e);
            known.remove(runId);
            throw new BatchListenerFailedException("cannot save run " + runId + ": " + e.getMessage(), e, entry.firstIndex);
        }
        accepted.projected(runId);
        log.debug("run {} projected at revision {} ({})", runId, entry.snapshot.revision(), entry.snapshot.status().wireName());
        if (stamp != null && stamp != before) {
            if (entry.timestamp > 0) {
                lag.record(Math.max(0, System.currentTimeMillis() - entry.timestamp), TimeUnit.MILLISECONDS);
            }
            // written (a new stamp): the catalog, and through it the run stream, learn the new snapshot
            catalog.put(RunSummary.of(entry.snapshot));
        }
        if (entry.snapshot.status().isFinal() && (stamp == null || stamp.revision() <= entry.snapshot.revision())) {
            // also when the store already had it (a replay), not when it holds a later revision (a retried run)
            ends.forEach(end -> end.runEnded(entry.snapshot));
        }
        if (stamp == null || (stamp.revision() == entry.snapshot.revision() && entry.snapshot.status().isFinal())) {
            known.remove(runId);
        } else {
            known.put(runId, stamp);
        }
    }

    private Map<String, FileStore.RunFileStamp> stampsOf(int partition) {
        return stamps.computeIfAbsent(new TopicPartition(Topics.RUN_EVENTS, partition), p -> new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, FileStore.RunFileStamp> eldest) {
                return size() > MAX_STAMPS_PER_PARTITION;
            }
        });
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        // Another instance may have written these runs while the partitions were elsewhere.
        assignments.keySet().forEach(stamps::remove);
        assignments.forEach((partition, position) -> {
            if (position != null) {
                reached.put(partition.partition(), position);
            }
        });
        others.assigned(assignments.keySet());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        partitions.forEach(stamps::remove);
        others.revoked(partitions, reached);
        partitions.forEach(partition -> reached.remove(partition.partition()));
    }

    static RunSnapshot snapshot(ConsumerRecord<String, byte[]> record) {
        RunEvent event = Json.read(record.value(), RunEvent.class);
        SchemaVersions.check(event.schemaVersion(), "run event");
        RunSnapshot run = event.run();
        if (run == null) {
            throw new MalformedRecordException("run event has no run snapshot");
        }
        if (!Ids.isRunId(run.runId())) {
            throw new MalformedRecordException("run.run_id must be a lower-case UUID (was '" + run.runId() + "')");
        }
        if (event.runId() != null && !event.runId().equals(run.runId())) {
            throw new MalformedRecordException("run_id '" + event.runId() + "' differs from run.run_id '" + run.runId() + "'");
        }
        if (!Ids.isSafe(run.workflowId())) {
            throw new MalformedRecordException("run.workflow_id must match " + Ids.SAFE_ID.pattern());
        }
        if (run.revision() < 0) {
            throw new MalformedRecordException("run.revision must not be negative");
        }
        return run;
    }

    /** A record picked by its headers must be what they say: else an older event of the run could be skipped for a lie. */
    static void checkHeaders(ConsumerRecord<String, byte[]> record, RunSnapshot run, long headerRevision) {
        if (!run.runId().equals(record.key())) {
            throw new MalformedRecordException("record key '" + record.key() + "' differs from run.run_id '" + run.runId() + "'");
        }
        if (run.revision() != headerRevision) {
            throw new MalformedRecordException("header " + Topics.HEADER_REVISION + " " + headerRevision
                    + " differs from run.revision " + run.revision());
        }
    }

    /**
     * The record's {@link Topics#HEADER_REVISION} when it can be trusted to pick the newest event of
     * a run key (a run id key, both headers present, a decimal revision), else -1.
     */
    static long headerRevision(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || !Ids.isRunId(record.key())
                || record.headers().lastHeader(Topics.HEADER_EVENT_TYPE) == null) {
            return -1;
        }
        Header revision = record.headers().lastHeader(Topics.HEADER_REVISION);
        if (revision == null || revision.value() == null || revision.value().length == 0 || revision.value().length > 18) {
            return -1;
        }
        long value = 0;
        for (byte b : revision.value()) {
            if (b < '0' || b > '9') {
                return -1;
            }
            value = value * 10 + (b - '0');
        }
        return value;
    }

    /** A null value on the compacted topic deletes nothing here; only a value that failed to deserialize is an error. */
    private static boolean isTombstone(ConsumerRecord<String, byte[]> record) {
        if (record.value() != null) {
            return false;
        }
        if (record.headers().lastHeader(SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER) != null) {
            return false;
        }
        log.debug("ignoring tombstone for {}", record.key());
        return true;
    }

    /** @param timestamp the Kafka timestamp of the event the snapshot came with */
    private record Latest(RunSnapshot snapshot, int firstIndex, int partition, Context trace, long timestamp) {
    }
}
