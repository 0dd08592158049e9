package io.zaps.gateway.run;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.store.FileStore;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The runs of this gateway: what the run store ({@code <data>/runs}) holds, and the pending snapshots of
 * runs this gateway accepted that the projector has not written yet.
 *
 * <p>A trigger's pending snapshot is answered with the 202 and kept here instead of being written to the
 * store: the projector writes the run's first projected snapshot a few milliseconds later (and with it
 * the run's index entry), so writing the pending one too cost a second whole-file write per run
 * (temp file, link, index marker) on the request thread, and the projector then had to read it back.
 * Reads on this gateway find the run at once, as before; another gateway sharing the data folder finds
 * it once it is projected. A trigger with an {@code Idempotency-Key} still writes its pending snapshot,
 * because a repeat of the key may reach another gateway before the projector caught up.
 *
 * <p>A snapshot is forgotten when the projector wrote the run, and at the latest after {@link #KEEP_AT_MOST}
 * (a projector that far behind is unhealthy; the store is then the truth again) or when more than
 * {@link #MAX_ACCEPTED} are kept. The store always wins: a stored snapshot is newer than the pending one.
 */
@Component
public class AcceptedRuns {
    /** Pending snapshots kept at most: about a minute of triggers at full speed. */
    static final int MAX_ACCEPTED = 100_000;
    static final Duration KEEP_AT_MOST = Duration.ofMinutes(2);

    private final FileStore store;
    private final LongSupplier nanoTime;
    private final int maxAccepted;
    /** Insertion order is acceptance order, so the eldest entries are the ones to expire first. */
    private final LinkedHashMap<String, Accepted> accepted = new LinkedHashMap<>();

    private record Accepted(RunSnapshot run, long acceptedAtNanos) {}

    @Autowired
    public AcceptedRuns(FileStore store) {
        this(store, System::nanoTime, MAX_ACCEPTED);
    }

    AcceptedRuns(FileStore store, LongSupplier nanoTime, int maxAccepted) {
        this.store = store;
        this.nanoTime = nanoTime;
        this.maxAccepted = maxAccepted;
    }

    /** Remembers the pending snapshot of a run this gateway just accepted, until it is projected. */
    void accepted(RunSnapshot pending) {
        long now = nanoTime.getAsLong();
        synchronized (accepted) {
            accepted.put(pending.runId(), new Accepted(pending, now));
            expire(now);
        }
    }

    /** The projector wrote a snapshot of {@code runId}: the store answers for it from now on. */
    public void projected(String runId) {
        synchronized (accepted) {
            accepted.remove(runId);
        }
    }

    /** The run's newest snapshot: the stored one, else the pending one if this gateway accepted it. */
    public Optional<RunSnapshot> find(String runId) {
        // Pending first: the projector may write the run and forget it here between the two lookups.
        Optional<RunSnapshot> pending = pending(runId);
        Optional<RunSnapshot> stored = store.findRun(runId);
        return stored.isPresent() ? stored : pending;
    }

    /** The newest {@code limit} runs of a workflow, newest first, including the ones accepted here and not yet projected. */
    public List<RunSnapshot> list(String workflowId, int limit) {
        // Pending first, for the same reason as in find.
        List<RunSnapshot> pending = pendingOf(workflowId);
        List<RunSnapshot> stored = store.listRuns(workflowId, limit);
        if (pending.isEmpty()) {
            return stored;
        }
        Set<String> storedIds = new HashSet<>();
        stored.forEach(run -> storedIds.add(run.runId()));
        List<RunSnapshot> merged = new ArrayList<>(stored);
        pending.stream().filter(run -> !storedIds.contains(run.runId())).forEach(merged::add);
        merged.sort(Comparator.comparing(RunSnapshot::createdAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return merged.size() > limit ? List.copyOf(merged.subList(0, limit)) : merged;
    }

    private Optional<RunSnapshot> pending(String runId) {
        synchronized (accepted) {
            expire(nanoTime.getAsLong());
            Accepted entry = accepted.get(runId);
            return entry == null ? Optional.empty() : Optional.of(entry.run());
        }
    }

    private List<RunSnapshot> pendingOf(String workflowId) {
        List<RunSnapshot> runs = new ArrayList<>();
        synchronized (accepted) {
            expire(nanoTime.getAsLong());
            for (Accepted entry : accepted.values()) {
                if (entry.run().workflowId().equals(workflowId)) {
                    runs.add(entry.run());
                }
            }
        }
        return runs;
    }

    private void expire(long now) {
        long keepNanos = KEEP_AT_MOST.toNanos();
        Iterator<Map.Entry<String, Accepted>> eldest = accepted.entrySet().iterator();
        while (eldest.hasNext()) {
            Accepted entry = eldest.next().getValue();
            if (accepted.size() <= maxAccepted && now - entry.acceptedAtNanos() < keepNanos) {
                return;
            }
            eldest.remove();
        }
    }
}
