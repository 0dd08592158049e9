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
import java.util.function.Predicate;

/**
 * Every stored run of the data folder as a {@link RunSummary}, in memory, ordered newest first (by
 * {@code created_at}, ties by run id): one listing across all workflows, filtered and paged without reading a run
 * file per request. About 300 bytes a run, so 100,000 runs take some 30 MB.
 *
 * <p>Filled once at start-up by {@link FileStore#scanRuns} ({@link RunCatalogLoader}, in the background; listings
 * wait for it), then kept current by whoever writes run files in this gateway: the run projector for every snapshot
 * it writes, the trigger service for the pending and failed snapshots it writes itself, and the retention job for the
 * runs it deletes (with several gateways, also those another gateway's retention deleted: {@link #forgetDeleted}).
 * A summary never replaces one of a higher revision, so the scan and the projector may race. A run
 * accepted over REST without an idempotency key is not here until the projector wrote it (milliseconds later): the
 * catalog mirrors the store, and only the store knows that a run was really started.
 *
 * <p><b>Several gateways.</b> Each gateway's projector consumes only the partitions of {@code zaps.run-events}
 * assigned to it, and tells the catalog what it wrote ({@link #put}). The runs of the other partitions, projected by
 * other gateways sharing the folder, come from this gateway's run-event tail ({@code io.zaps.gateway.hook.RunEndTail},
 * which reads every partition without a consumer group): for an event of a partition not projected here, the newest
 * snapshot of the run in each poll is summarized and given to {@link #heard} (a run shown here a few milliseconds
 * before the owning gateway wrote its file). So listings, counts, workflow statistics and the run stream show every
 * run, whichever gateway projects it. What was heard changes only what is shown: the transitions
 * ({@link #onTransition}, the run metrics) follow this gateway's own writes, so that summing the gateways' counters
 * counts each run once, as before.
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
    /**
     * What is shown of a run (the highest revision from any source), and the highest revision this gateway wrote or
     * scanned itself (null for a run only heard of): transitions compare with the latter.
     */
    private record Entry(RunSummary shown, RunSummary own) {
    }

    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final List<Consumer<RunSummary>> listeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<RunSummary, RunSummary>> transitions = new CopyOnWriteArrayList<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    /** Runs removed while the start-up scan runs, so that the scan does not bring back one it read before. */
    private final Set<String> removedWhileLoading = new HashSet<>();

    /**
     * {@code listener} hears every change of what is shown of a run (not the start-up scan): a new run, or a higher
     * revision of one, written here or heard of from another gateway's partition.
     */
    public void onChange(Consumer<RunSummary> listener) {
        listeners.add(listener);
    }

    /**
     * A run just written to the store by this gateway: kept unless this gateway wrote (or scanned) a higher revision of
     * it, then told to the transition listeners and, when what is shown changed (nothing higher was heard from
     * another gateway meanwhile), to the change listeners. Returns whether it was kept. Call it only for a snapshot
     * the store took (its revision was higher than the stored one), so that the catalog never shows what the store
     * refused.
     */
    public boolean put(RunSummary run) {
        RunSummary before;
        boolean shownChanged;
        synchronized (this) {
            Entry known = byId.get(run.runId());
            before = known == null ? null : known.own();
            if (before != null && before.revision() > run.revision()) {
                return false;
            }
            RunSummary shown = known == null ? null : known.shown();
            shownChanged = shown == null || (shown.revision() <= run.revision() && !shown.equals(run));
            store(known, new Entry(shownChanged || shown.revision() <= run.revision() ? run : shown, run));
        }
        if (shownChanged) {
            for (Consumer<RunSummary> listener : listeners) {
                listener.accept(run);
            }
        }
        for (BiConsumer<RunSummary, RunSummary> listener : transitions) {
            listener.accept(before, run);
        }
        return true;
    }

    /**
     * A snapshot of a run another gateway projects, read from its run event (this gateway's tail of the partitions it
     * does not project): shown, and told to the change listeners (the run stream), when no higher or equal revision is
     * shown; not a transition (the owning gateway counts it). Returns whether it is shown now.
     */
    public boolean heard(RunSummary run) {
        synchronized (this) {
            Entry known = byId.get(run.runId());
            if (known != null && known.shown().revision() >= run.revision()) {
                return false;
            }
            if (known == null && !isLoaded() && removedWhileLoading.contains(run.runId())) {
                return false;
            }
            store(known, new Entry(run, known == null ? null : known.own()));
        }
        for (Consumer<RunSummary> listener : listeners) {
            listener.accept(run);
        }
        return true;
    }

    /**
     * {@code listener} hears every change of a run this gateway wrote ({@link #put}) with what it wrote or scanned of
     * it before (null for a run it did not know: a new run since start-up, or one it had only {@link #heard} of); not
     * the start-up scan, nor what was heard of other gateways' runs.
     */
    public void onTransition(BiConsumer<RunSummary, RunSummary> listener) {
        transitions.add(listener);
    }

    /** A run found by the start-up scan: kept unless a newer one arrived meanwhile or it was removed meanwhile. */
    synchronized void load(RunSummary run) {
        if (removedWhileLoading.contains(run.runId())) {
            return;
        }
        Entry known = byId.get(run.runId());
        if (known == null) {
            store(null, new Entry(run, run));
        } else if (known.own() == null || known.own().revision() < run.revision()) {
            store(known, new Entry(known.shown().revision() < run.revision() ? run : known.shown(), run));
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
        Entry removed = byId.remove(runId);
        if (removed != null) {
            RunSummary known = removed.shown();
            Key key = Key.of(known);
            all.remove(key);
            NavigableMap<Key, RunSummary> runs = byWorkflow.get(known.workflowId());
            if (runs != null) {
                runs.remove(key);
            }
        }
    }

    /**
     * Forgets the runs that finished before {@code cutoff} and are no longer stored: with several gateways on one folder,
     * the runs another gateway's retention pass deleted (a gateway's own pass {@link #remove}s what it deletes).
     * Finished runs only, so a run still going, or one heard of before its file was written, is never dropped.
     *
     * @param stored whether a run's snapshot is still in the store (one file check per candidate)
     * @return how many runs were forgotten
     */
    public int forgetDeleted(Instant cutoff, Predicate<String> stored) {
        int forgotten = 0;
        for (Entry entry : byId.values()) {
            RunSummary run = entry.shown();
            if (run.status() != null && run.status().isFinal() && run.completedAt() != null && run.completedAt().isBefore(cutoff)
                    && !stored.test(run.runId())) {
                remove(run.runId());
                forgotten++;
            }
        }
        return forgotten;
    }

    private void store(Entry before, Entry entry) {
        RunSummary run = entry.shown();
        if (before != null && before.shown() != run) {
            RunSummary known = before.shown();
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
        byId.put(run.runId(), entry);
    }

    public int size() {
        return byId.size();
    }

    /** One run's summary, if the catalog has it. */
    public RunSummary find(String runId) {
        Entry entry = byId.get(runId);
        return entry == null ? null : entry.shown();
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
            RunSummary run = find(query.runIdPrefix());
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
