package io.zaps.gateway.catalog;

import io.zaps.contract.run.RunStatus;
import io.zaps.store.FileStore;
import io.zaps.store.RunSummary;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Every stored run of the data folder as a {@link RunSummary}, in memory, ordered newest first (by
 * {@code created_at}, ties by run id): one listing across all workflows, filtered and paged without reading a run
 * file per request. About 300 bytes a run, so 100,000 runs take some 30 MB.
 *
 * <p>Filled once at start-up by {@link FileStore#scanRuns} ({@link RunCatalogLoader}, in the background; listings
 * wait for it), then kept current by whoever writes run files in this gateway: the run projector for every snapshot
 * it writes, the trigger service for the pending and failed snapshots it writes itself, and the retention job for the
 * runs it deletes. A summary never replaces one of a higher revision, so the scan and the projector may race. A run
 * accepted over REST without an idempotency key is not here until the projector wrote it (milliseconds later): the
 * catalog mirrors the store, and only the store knows that a run was really started.
 *
 * <p><b>Several gateways.</b> Each gateway's projector consumes only the partitions of {@code zaps.run-events}
 * assigned to it, so its catalog learns at once only about the runs of those partitions; the others' runs it knows
 * as of its own start-up scan. Behind a load balancer, listings may therefore miss recent runs of other partitions
 * until a restart. A broadcast consumer (a group of its own per gateway) would close the gap; it is future work.
 *
 * <p>Thread-safe: writes are serialized, reads run lock-free over concurrent skip lists (weakly consistent: a page
 * read while a run changes shows it as before or after).
 */
public final class RunCatalog {
    /** Where a run sits in the order: newest first, then by run id. */
    record Key(Instant createdAt, String runId) implements Comparable<Key> {
        private static final Instant UNKNOWN = Instant.MIN;

        static Key of(RunSummary run) {
            return new Key(run.createdAt() == null ? UNKNOWN : run.createdAt(), run.runId());
        }

        @Override
        public int compareTo(Key other) {
            int byTime = other.createdAt.compareTo(createdAt);
            return byTime != 0 ? byTime : runId.compareTo(other.runId);
        }
    }

    private final NavigableMap<Key, RunSummary> all = new ConcurrentSkipListMap<>();
    private final Map<String, NavigableMap<Key, RunSummary>> byWorkflow = new ConcurrentHashMap<>();
    private final Map<String, RunSummary> byId = new ConcurrentHashMap<>();
    private final List<Consumer<RunSummary>> listeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<RunSummary, RunSummary>> transitions = new CopyOnWriteArrayList<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    /** Runs removed while the start-up scan runs, so that the scan does not bring back one it read before. */
    private final Set<String> removedWhileLoading = new HashSet<>();

    /** {@code listener} hears every change of a run (not the start-up scan): a new run, or a higher revision of one. */
    public void onChange(Consumer<RunSummary> listener) {
        listeners.add(listener);
    }

    /**
     * A run just written to the store: kept unless the catalog holds a higher revision of it, and then told to the
     * listeners. Returns whether it was kept. Call it only for a snapshot the store took (its revision was higher than
     * the stored one), so that the catalog never shows what the store refused.
     */
    public boolean put(RunSummary run) {
        RunSummary known;
        synchronized (this) {
            known = byId.get(run.runId());
            if (known != null && known.revision() > run.revision()) {
                return false;
            }
            store(known, run);
        }
        for (Consumer<RunSummary> listener : listeners) {
            listener.accept(run);
        }
        for (BiConsumer<RunSummary, RunSummary> listener : transitions) {
            listener.accept(known, run);
        }
        return true;
    }

    /**
     * {@code listener} hears every change of a run with what the catalog held before (null for a run it did not
     * know: a new run since start-up); not the start-up scan.
     */
    public void onTransition(BiConsumer<RunSummary, RunSummary> listener) {
        transitions.add(listener);
    }

    /** A run found by the start-up scan: kept unless a newer one arrived meanwhile or it was removed meanwhile. */
    synchronized void load(RunSummary run) {
        if (removedWhileLoading.contains(run.runId())) {
            return;
        }
        RunSummary known = byId.get(run.runId());
        if (known == null || known.revision() < run.revision()) {
            store(known, run);
        }
    }

    /** The start-up scan is done: listings are complete from now on. */
    synchronized void loadedAll() {
        removedWhileLoading.clear();
        loaded.countDown();
    }

    public boolean isLoaded() {
        return loaded.getCount() == 0;
    }

    /** Waits at most {@code timeout} for the start-up scan; returns whether it is done. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A run deleted from the store (retention). */
    public synchronized void remove(String runId) {
        if (!isLoaded()) {
            removedWhileLoading.add(runId);
        }
        RunSummary known = byId.remove(runId);
        if (known != null) {
            Key key = Key.of(known);
            all.remove(key);
            NavigableMap<Key, RunSummary> runs = byWorkflow.get(known.workflowId());
            if (runs != null) {
                runs.remove(key);
            }
        }
    }

    private void store(RunSummary known, RunSummary run) {
        if (known != null) {
            Key old = Key.of(known);
            all.remove(old);
            NavigableMap<Key, RunSummary> runs = byWorkflow.get(known.workflowId());
            if (runs != null) {
                runs.remove(old);
            }
        }
        Key key = Key.of(run);
        all.put(key, run);
        if (run.workflowId() != null) {
            byWorkflow.computeIfAbsent(run.workflowId(), id -> new ConcurrentSkipListMap<>()).put(key, run);
        }
        byId.put(run.runId(), run);
    }

    public int size() {
        return byId.size();
    }

    /** One run's summary, if the catalog has it. */
    public RunSummary find(String runId) {
        return byId.get(runId);
    }

    /** A workflow's runs, newest first (a live view: do not hold on to it). */
    public Collection<RunSummary> ofWorkflow(String workflowId) {
        NavigableMap<Key, RunSummary> runs = byWorkflow.get(workflowId);
        return runs == null ? List.of() : Collections.unmodifiableCollection(runs.values());
    }

    // ---------------------------------------------------------------- listings

    /**
     * What a listing asks for; every filter is optional (null, or an empty set of statuses).
     *
     * @param since       {@code created_at} at or after this
     * @param until       {@code created_at} before this
     * @param runIdPrefix the run id or the start of it
     * @param after       the position of the last run of the previous page ({@link RunCursor})
     */
    public record Query(String workflowId, Set<RunStatus> statuses, Instant since, Instant until, String runIdPrefix,
                        Key after, int limit) {
    }

    /** One page: at most {@code limit} runs, the position to go on from (null at the end), and the counts per status. */
    public record Page(List<RunSummary> runs, Key next, Map<RunStatus, Integer> counts) {
    }

    public Page query(Query query) {
        NavigableMap<Key, RunSummary> source = query.workflowId() == null ? all
                : byWorkflow.getOrDefault(query.workflowId(), Collections.emptyNavigableMap());
        if (query.runIdPrefix() != null && query.runIdPrefix().length() == 36) {
            // a whole run id: one lookup, not a scan
            RunSummary run = byId.get(query.runIdPrefix());
            NavigableMap<Key, RunSummary> one = new ConcurrentSkipListMap<>();
            if (run != null && (query.workflowId() == null || query.workflowId().equals(run.workflowId()))) {
                one.put(Key.of(run), run);
            }
            source = one;
        }
        NavigableMap<Key, RunSummary> range = source;
        if (query.since() != null && query.until() != null && !query.since().isBefore(query.until())) {
            range = Collections.emptyNavigableMap();
        } else {
            // newest first: runs created at or after `until` come before the range, those before `since` after it
            if (query.until() != null) {
                range = range.tailMap(new Key(query.until(), ""), true);
            }
            if (query.since() != null && query.since().isAfter(Instant.MIN)) {
                range = range.headMap(new Key(query.since().minusNanos(1), ""), false);
            }
        }
        Map<RunStatus, Integer> counts = new EnumMap<>(RunStatus.class);
        for (RunStatus status : RunStatus.values()) {
            counts.put(status, 0);
        }
        for (RunSummary run : range.values()) {
            if (matchesAllButStatus(run, query) && run.status() != null) {
                counts.merge(run.status(), 1, Integer::sum);
            }
        }
        NavigableMap<Key, RunSummary> page = range;
        if (query.after() != null) {
            // from the source, not the range: a cursor may lie outside it (another page's filters), which a sub-map refuses
            Key untilKey = query.until() == null ? null : new Key(query.until(), "");
            page = untilKey != null && query.after().compareTo(untilKey) < 0 ? source.tailMap(untilKey, true)
                    : source.tailMap(query.after(), false);
        }
        List<RunSummary> runs = new ArrayList<>(Math.min(query.limit(), 64));
        Key next = null;
        for (Map.Entry<Key, RunSummary> entry : page.entrySet()) {
            RunSummary run = entry.getValue();
            if (query.since() != null && entry.getKey().createdAt().isBefore(query.since())) {
                break; // older ones follow
            }
            if (!matchesAllButStatus(run, query) || !(query.statuses().isEmpty() || query.statuses().contains(run.status()))) {
                continue;
            }
            if (runs.size() == query.limit()) {
                next = Key.of(runs.get(runs.size() - 1));
                break;
            }
            runs.add(run);
        }
        return new Page(runs, next, counts);
    }

    private static boolean matchesAllButStatus(RunSummary run, Query query) {
        if (query.until() != null && (run.createdAt() == null || !run.createdAt().isBefore(query.until()))) {
            return false;
        }
        if (query.since() != null && (run.createdAt() == null || run.createdAt().isBefore(query.since()))) {
            return false;
        }
        return query.runIdPrefix() == null || run.runId().startsWith(query.runIdPrefix());
    }
}
