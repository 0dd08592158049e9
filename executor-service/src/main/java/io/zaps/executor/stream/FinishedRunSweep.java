package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.run.RunState;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The finished runs' side of one task's punctuation, a bounded amount of work each time: forgets the finished runs
 * past their retention, and moves runs that finished under an executor that kept them in the live store out of it,
 * scanning the live store once per task initialization (after which it holds only unfinished runs).
 *
 * <p>Contract: a new instance for each task initialization, {@link #sweep} once per punctuation, on the task's thread,
 * inside its transaction like everything else the processor writes.
 */
final class FinishedRunSweep {
    /** The processor's logger: the log levels and filters set for it keep applying to these lines. */
    private static final Logger log = LoggerFactory.getLogger(RunCommandProcessor.class);
    /** Bounds the finished runs forgotten, and the old finished runs moved out of the live store, per punctuation. */
    private static final int MAX_FINISHED_PER_PUNCTUATION = 1_000;

    private final KeyValueStore<String, byte[]> runs;
    private final FinishedRunStore finished;
    /**
     * Where the scan for finished runs left in the live store by an executor that kept them there
     * goes on; null once the whole store was scanned since this task was initialized.
     */
    private String legacyScanFrom = "";

    /**
     * @param runs     the live store: runs that have not finished
     * @param finished what is kept of the finished runs
     */
    FinishedRunSweep(KeyValueStore<String, byte[]> runs, FinishedRunStore finished) {
        this.runs = runs;
        this.finished = finished;
    }

    void sweep(Instant now) {
        finished.prune(now, MAX_FINISHED_PER_PUNCTUATION);
        if (legacyScanFrom != null) {
            moveFinishedOutOfTheLiveStore(now);
        }
    }

    /**
     * Runs finished under an executor that kept them in the live store: moved to the finished store,
     * a bounded number per punctuation, once per task initialization (after which the live store holds
     * only unfinished runs and the scan is short).
     */
    private void moveFinishedOutOfTheLiveStore(Instant now) {
        List<String> moved = new ArrayList<>();
        String next = null;
        try (KeyValueIterator<String, byte[]> it = runs.range(legacyScanFrom, null)) {
            int seen = 0;
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                if (seen++ == MAX_FINISHED_PER_PUNCTUATION) {
                    next = entry.key;
                    break;
                }
                RunState state = Json.read(entry.value, RunState.class);
                if (state.run().status().isFinal()) {
                    finished.put(state, now);
                    moved.add(entry.key);
                }
            }
        } catch (RuntimeException e) {
            log.warn("cannot scan the live run store for finished runs; leaving them there", e);
            next = null;
        }
        moved.forEach(runs::delete);
        if (!moved.isEmpty()) {
            log.info("moved {} finished runs out of the live run store", moved.size());
        }
        legacyScanFrom = next;
    }
}
