package io.zaps.gateway.projection;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.store.FileStore;
import io.zaps.store.StoreException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Projects {@link Topics#RUN_EVENTS} into {@code <data>/runs/<run_id>.json}. Each event carries the
 * whole snapshot, so per run only the highest revision of a batch is written, and
 * {@link FileStore#saveRunIfNewer} never lets a snapshot replace a higher revision: replaying the
 * topic (a new consumer group, see {@code zaps.gateway.projector-group}) is harmless and rebuilds
 * the store.
 *
 * <p>A malformed record is dead-lettered alone: the records before it are applied, then
 * {@link BatchListenerFailedException} tells the shared error handler (zaps-kafka) its index, and the
 * records after it are delivered again.
 */
@Component
class RunProjector {
    private static final Logger log = LoggerFactory.getLogger(RunProjector.class);

    private final FileStore store;

    RunProjector(FileStore store) {
        this.store = store;
    }

    @KafkaListener(id = "zaps-run-projector", topics = Topics.RUN_EVENTS, batch = "true",
            groupId = "${zaps.gateway.projector-group:zaps-run-projector}")
    void project(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, Latest> latest = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            if (isTombstone(record)) {
                continue;
            }
            RunSnapshot snapshot;
            try {
                snapshot = snapshot(record);
            } catch (MalformedRecordException e) {
                save(latest);
                throw new BatchListenerFailedException(e.getMessage(), e, i);
            }
            int index = i;
            latest.merge(snapshot.runId(), new Latest(snapshot, index),
                    (old, now) -> now.snapshot.revision() > old.snapshot.revision() ? new Latest(now.snapshot, old.firstIndex) : old);
        }
        save(latest);
    }

    /** Runs are saved in the order they first appear, so a failure can name the first record not yet applied. */
    private void save(Map<String, Latest> latest) {
        for (Latest entry : latest.values()) {
            try {
                store.saveRunIfNewer(entry.snapshot);
            } catch (StoreException e) {
                throw new BatchListenerFailedException("cannot save run " + entry.snapshot.runId() + ": " + e.getMessage(), e, entry.firstIndex);
            }
        }
        latest.clear();
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

    private record Latest(RunSnapshot snapshot, int firstIndex) {
    }
}
