package io.zaps.executor.finished;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunStatus;
import io.zaps.executor.run.RunState;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Finished runs, kept out of the live {@code runs} store: what {@link RunState#retained()} keeps of
 * each (a few hundred bytes for a completed or cancelled run; a failed run whole, so that
 * {@code retry_run} can resume it) for a window after it finished, then nothing. Two changelogged
 * stores of the run's task:
 * <ul>
 *   <li>{@code finished-runs}: run id -> the retained {@link RunState} (JSON);</li>
 *   <li>{@code finished-runs-expiry}: {@code <expiry epoch millis, 19 digits>/<run id>} -> the run's
 *       {@code completed_at} (epoch millis, decimal; empty if it has none). Keys sort by expiry, so
 *       pruning is a range scan up to now, like the timers.</li>
 * </ul>
 * A run can finish more than once ({@code retry_run} revives a failed run): an expiry entry only
 * removes the run when the run still holds the finish it was written for.
 */
public final class FinishedRunStore {
    private static final int DIGITS = 19;
    private static final char SEPARATOR = '/';
    private static final char AFTER_ALL = '\uffff';

    /**
     * How long finished runs are kept.
     *
     * @param finished completed and cancelled runs (and cancels that overtook their start): the
     *                 window in which a duplicate {@code start_run} is still recognised
     * @param failed   failed runs: the window in which {@code retry_run} can still resume them
     */
    public record Retention(Duration finished, Duration failed) {
        public Retention {
            requirePositive(finished, "finished");
            requirePositive(failed, "failed");
        }

        private static void requirePositive(Duration value, String name) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " retention must be positive (was " + value + ")");
            }
        }

        Duration of(RunState state) {
            return state.run().status() == RunStatus.FAILED && !state.isRetired() ? failed : finished;
        }
    }

    private final KeyValueStore<String, byte[]> runs;
    private final KeyValueStore<String, byte[]> expiry;
    private final Retention retention;
    /**
     * Every expiry entry before this instant has been pruned, unless one was written since with an earlier
     * time, which moves this back to it. Pruning scans start here, not at the epoch: a pruned entry stays in
     * RocksDB as a tombstone until a compaction drops it, and once runs expire (a day after they finished,
     * by default) every punctuation would step over all of them again, as the scans of the timer store the
     * executor once had did (docs/benchmarks.md, session 6). Kept in memory: a new instance scans from the epoch once.
     */
    private Instant pruneFrom = Instant.EPOCH;

    public FinishedRunStore(KeyValueStore<String, byte[]> runs, KeyValueStore<String, byte[]> expiry, Retention retention) {
        this.runs = Objects.requireNonNull(runs, "runs");
        this.expiry = Objects.requireNonNull(expiry, "expiry");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /** What is kept of a finished run, or null when it is not (or no longer) here. */
    public RunState get(String runId) {
        byte[] stored = runs.get(runId);
        return stored == null ? null : Json.read(stored, RunState.class);
    }

    /** Keeps what {@link RunState#retained()} keeps of {@code finished}, until its window after {@code completed_at} is over. */
    public void put(RunState finished, Instant now) {
        RunState kept = finished.retained();
        String runId = kept.run().runId();
        Instant completed = kept.run().completedAt() == null ? now : kept.run().completedAt();
        Instant expires = completed.plus(retention.of(kept));
        runs.put(runId, Json.toBytes(kept));
        expiry.put(expiryKey(expires, runId), utf8(completedMillis(kept)));
        if (expires.isBefore(pruneFrom)) {
            pruneFrom = expires;
        }
    }

    /** The run is live again ({@code retry_run}); its expiry entry finds it gone and only removes itself. */
    public void remove(String runId) {
        runs.delete(runId);
    }

    /**
     * Forgets up to {@code max} runs whose window was over by {@code now}, oldest first.
     *
     * @return how many expiry entries were handled (fewer than {@code max}: nothing more is due)
     */
    public int prune(Instant now, int max) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        if (now.isBefore(pruneFrom)) {
            return 0; // the clock went back: nothing can be due that was not before
        }
        try (KeyValueIterator<String, byte[]> it = expiry.range(millis(pruneFrom), millis(now) + AFTER_ALL)) {
            while (it.hasNext() && due.size() < max) {
                due.add(it.next());
            }
        }
        // All due entries handled: the next scan starts at now. Stopped at max: at the last one handled.
        pruneFrom = due.size() < max ? now : Instant.ofEpochMilli(Long.parseLong(due.get(due.size() - 1).key.substring(0, DIGITS)));
        for (KeyValue<String, byte[]> entry : due) {
            expiry.delete(entry.key);
            String runId = entry.key.substring(DIGITS + 1);
            RunState kept = get(runId);
            if (kept != null && completedMillis(kept).equals(new String(entry.value, StandardCharsets.UTF_8))) {
                runs.delete(runId);
            }
        }
        return due.size();
    }

    private static String completedMillis(RunState state) {
        Instant completed = state.run().completedAt();
        return completed == null ? "" : Long.toString(completed.toEpochMilli());
    }

    static String expiryKey(Instant at, String runId) {
        return millis(at) + SEPARATOR + runId;
    }

    private static String millis(Instant instant) {
        String digits = Long.toString(Math.max(0, instant.toEpochMilli()));
        return "0".repeat(Math.max(0, DIGITS - digits.length())) + digits;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
