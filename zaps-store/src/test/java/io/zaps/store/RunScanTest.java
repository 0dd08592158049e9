package io.zaps.store;

import io.zaps.contract.Json;
import io.zaps.contract.run.ParentRun;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RunScanTest {
    private static final Instant T0 = Instant.parse("2030-03-01T00:00:00Z");

    @TempDir
    Path data;

    /** A run file as the projector writes it: context, three steps with inputs and outputs (about 2.5 KB). */
    static RunSnapshot realistic(int i) {
        String runId = UUID.nameUUIDFromBytes(("run-" + i).getBytes()).toString();
        Instant created = T0.plusMillis(i * 37L);
        ObjectNode context = Json.object().put("customer_email", "c" + i + "@example.org").put("invoice_id", "INV-" + i)
                .put("amount", "$" + i + ".00").put("note", "x".repeat(200));
        Map<String, StepState> steps = new LinkedHashMap<>();
        ObjectNode response = Json.object();
        response.putObject("response").put("status_code", 200).put("body", "y".repeat(600));
        steps.put("delay_step", StepState.pending("delay_step", "delay").running(1, Json.object().put("seconds", 2), created)
                .completed(Json.object().put("delayed_seconds", 2), created.plusSeconds(2)));
        steps.put("fetch", StepState.pending("fetch", "webhook").running(1, Json.object().put("url", "http://127.0.0.1/x"), created)
                .completed(response, created.plusSeconds(3)));
        steps.put("notify", StepState.pending("notify", "webhook"));
        RunStatus status = switch (i % 4) {
            case 0 -> RunStatus.COMPLETED;
            case 1 -> RunStatus.FAILED;
            case 2 -> RunStatus.RUNNING;
            default -> RunStatus.PAUSED;
        };
        boolean done = status.isFinal();
        return new RunSnapshot(runId, "wf_" + (i % 7), 1 + i % 3, status, created, created.plusMillis(5),
                done ? created.plusMillis(1005 + i % 100) : null, created.plusSeconds(4), context, steps,
                done ? null : "notify", status == RunStatus.FAILED ? "boom " + i : null, 3 + i % 5,
                i % 10 == 0 ? new ParentRun(UUID.nameUUIDFromBytes(("parent-" + i).getBytes()).toString(), "loop", 1, i % 3, 1) : null);
    }

    @Test
    void everyRunFileIsSummarizedAsItsSnapshotWouldBeAndBrokenFilesAreSkipped() throws IOException {
        FileStore store = new FileStore(data);
        Map<String, RunSummary> expected = new HashMap<>();
        for (int i = 0; i < 2_000; i++) {
            RunSnapshot run = realistic(i);
            assertThat(store.saveRunIfNewer(run)).isTrue();
            expected.put(run.runId(), RunSummary.of(run));
        }
        String corrupt = UUID.randomUUID().toString();
        Files.writeString(data.resolve("runs").resolve(corrupt + ".json"), "{\"run_id\": \"" + corrupt + "\", \"status\": ");
        Files.writeString(data.resolve("runs").resolve(".tmp-123-4"), "{}");
        Files.writeString(data.resolve("runs").resolve("notes.txt"), "hello");

        List<RunSummary> found = new ArrayList<>();
        FileStore.RunScan scan = store.scanRuns(found::add);

        assertThat(scan.runs()).isEqualTo(2_000);
        assertThat(scan.skipped()).isEqualTo(1);
        assertThat(found).hasSize(2_000);
        for (RunSummary summary : found) {
            assertThat(summary).isEqualTo(expected.get(summary.runId()));
        }
        RunSummary failed = expected.get(realistic(1).runId());
        assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
        assertThat(failed.error()).isEqualTo("boom 1");
        assertThat(failed.durationMs()).isEqualTo(1005 + 1 - 5);
        assertThat(expected.get(realistic(10).runId()).parentRunId()).isEqualTo(realistic(10).parent().runId());
        assertThat(expected.get(realistic(2).runId()).durationMs()).as("running: no duration yet").isNull();
        assertThat(store.findRunSummary(realistic(3).runId())).contains(expected.get(realistic(3).runId()));
    }

    @Test
    void aSummaryCutsALongErrorAndLeavesOutContextAndSteps() {
        RunSnapshot run = realistic(5);
        RunSnapshot failed = new RunSnapshot(run.runId(), run.workflowId(), 1, RunStatus.FAILED, run.createdAt(), null,
                run.createdAt().plusSeconds(1), run.updatedAt(), run.context(), run.steps(), "fetch", "e".repeat(5_000), 9);
        RunSummary summary = RunSummary.of(failed);
        assertThat(summary.error()).hasSize(RunSummary.MAX_ERROR).endsWith("…");
        assertThat(summary.durationMs()).as("from created_at when it never started").isEqualTo(1000);
        String json = Json.mapper().writeValueAsString(summary);
        assertThat(json).contains("\"run_id\"", "\"duration_ms\":1000", "\"current_step_id\":\"fetch\"")
                .doesNotContain("context", "steps", "revision", "started_at", "parent_run_id");
    }

    /**
     * The figure behind the catalog's start-up scan. Opt-in, it writes 100,000 files: run with
     * {@code -Dzaps.scan.measure=100000}. Measured on the 2-core build machine (shared with other builds): writing the
     * 100,000 files took 10.5 s, scanning them 2.1 s with a cold JVM and 1.4 s warm (files in the page cache, as on
     * a gateway restart; a disk-cold cache costs more).
     */
    @Test
    @EnabledIfSystemProperty(named = "zaps.scan.measure", matches = "[0-9]+")
    void measureTheScanOfManyRunFiles() {
        int count = Integer.parseInt(System.getProperty("zaps.scan.measure"));
        FileStore store = new FileStore(data);
        long writeStart = System.nanoTime();
        for (int i = 0; i < count; i++) {
            store.saveRunIfNewer(realistic(i));
        }
        Duration write = Duration.ofNanos(System.nanoTime() - writeStart);
        for (int round = 1; round <= 2; round++) {
            long start = System.nanoTime();
            int[] seen = {0};
            FileStore.RunScan scan = store.scanRuns(summary -> seen[0]++);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(scan.runs()).isEqualTo(count);
            System.err.printf("scan of %,d run files, round %d: %d ms (writing them took %d ms)%n", count, round, took.toMillis(), write.toMillis());
        }
    }
}
