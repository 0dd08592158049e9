package io.zaps.gateway.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.store.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The runs a gateway answers for: its run store, and what it accepted that is not projected yet. */
class AcceptedRunsTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path data;
    private final AtomicLong nanos = new AtomicLong();

    private static RunSnapshot run(String runId, String workflowId, long revision, RunStatus status, Instant created) {
        return new RunSnapshot(runId, workflowId, 1, status, created, null, null, created, Json.object(), Map.of(), null, null, revision);
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    @Test
    void anAcceptedRunIsFoundAndListedWithoutAnyFileUntilTheProjectorWroteIt() throws Exception {
        FileStore store = new FileStore(data);
        AcceptedRuns runs = new AcceptedRuns(store, nanos::get, 100);
        String id = newId();
        RunSnapshot pending = run(id, "w1", 0, RunStatus.PENDING, T0);

        runs.accepted(pending);

        assertThat(runs.find(id)).contains(pending);
        assertThat(runs.list("w1", 10)).containsExactly(pending);
        assertThat(runs.list("w2", 10)).isEmpty();
        try (var files = Files.list(data.resolve("runs"))) {
            assertThat(files).as("nothing written for a pending run").isEmpty();
        }

        RunSnapshot running = run(id, "w1", 1, RunStatus.RUNNING, T0);
        assertThat(store.saveRunIfNewer(running)).isTrue();
        assertThat(runs.find(id)).as("the stored snapshot wins").contains(running);
        assertThat(runs.list("w1", 10)).containsExactly(running);

        runs.projected(id);
        Files.delete(data.resolve("runs").resolve(id + ".json")); // as retention would
        assertThat(runs.find(id)).as("forgotten once projected").isEmpty();
    }

    @Test
    void listsMergeAcceptedAndStoredRunsNewestFirstUpToTheLimit() {
        FileStore store = new FileStore(data);
        AcceptedRuns runs = new AcceptedRuns(store, nanos::get, 100);
        RunSnapshot oldest = run(newId(), "w1", 3, RunStatus.COMPLETED, T0);
        RunSnapshot middle = run(newId(), "w1", 1, RunStatus.RUNNING, T0.plusSeconds(1));
        RunSnapshot newest = run(newId(), "w1", 0, RunStatus.PENDING, T0.plusSeconds(2));
        store.saveRunIfNewer(oldest);
        store.saveRunIfNewer(middle);
        runs.accepted(newest);
        runs.accepted(run(middle.runId(), "w1", 0, RunStatus.PENDING, middle.createdAt())); // projected before it was remembered

        assertThat(runs.list("w1", 10)).containsExactly(newest, middle, oldest);
        assertThat(runs.list("w1", 2)).containsExactly(newest, middle);
        assertThat(runs.list("w1", 1)).containsExactly(newest);
    }

    @Test
    void acceptedRunsAreForgottenAfterTheirTimeOrBeyondTheCap() {
        FileStore store = new FileStore(data);
        AcceptedRuns runs = new AcceptedRuns(store, nanos::get, 2);
        RunSnapshot first = run(newId(), "w1", 0, RunStatus.PENDING, T0);
        RunSnapshot second = run(newId(), "w1", 0, RunStatus.PENDING, T0.plusMillis(1));
        RunSnapshot third = run(newId(), "w1", 0, RunStatus.PENDING, T0.plusMillis(2));

        runs.accepted(first);
        runs.accepted(second);
        runs.accepted(third);
        assertThat(runs.find(first.runId())).as("beyond the cap, the eldest goes").isEmpty();
        assertThat(runs.find(second.runId())).contains(second);

        nanos.addAndGet(AcceptedRuns.KEEP_AT_MOST.minus(Duration.ofMillis(1)).toNanos());
        assertThat(runs.find(third.runId())).contains(third);
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(runs.find(third.runId())).as("kept at most " + AcceptedRuns.KEEP_AT_MOST).isEmpty();
        assertThat(runs.list("w1", 10)).isEmpty();
    }
}
