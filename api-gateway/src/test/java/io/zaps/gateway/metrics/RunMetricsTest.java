package io.zaps.gateway.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zaps.contract.run.RunStatus;
import io.zaps.store.RunSummary;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RunMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long revision;

    private RunSummary run(String runId, RunStatus status) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        return new RunSummary(runId, "invoice", 1, status, now, now, status.isFinal() ? now : null, null, null, null, null, ++revision);
    }

    private double started() {
        var counter = registry.find(RunMetrics.STARTED).tag("workflow", "invoice").counter();
        return counter == null ? 0 : counter.count();
    }

    private double finished(String status) {
        var counter = registry.find(RunMetrics.FINISHED).tag("workflow", "invoice").tag("status", status).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aNewRunCountsAsStartedOnce_andOnceMoreWhenItEnds() {
        RunSummary pending = run("r1", RunStatus.RUNNING);
        RunMetrics.count(registry, null, pending);
        RunSummary running = run("r1", RunStatus.RUNNING);
        RunMetrics.count(registry, pending, running);
        RunMetrics.count(registry, running, run("r1", RunStatus.COMPLETED));

        assertThat(started()).isEqualTo(1);
        assertThat(finished("completed")).isEqualTo(1);
    }

    @Test
    void aRunFirstSeenFinishedCountsBoth() {
        RunMetrics.count(registry, null, run("r2", RunStatus.FAILED));

        assertThat(started()).isEqualTo(1);
        assertThat(finished("failed")).isEqualTo(1);
    }

    @Test
    void aRetriedFailedRunCountsEachEnd_andARepeatedFinalSnapshotNothing() {
        RunSummary failed = run("r3", RunStatus.FAILED);
        RunMetrics.count(registry, run("r3", RunStatus.RUNNING), failed);
        RunSummary failedAgainSnapshot = run("r3", RunStatus.FAILED);
        RunMetrics.count(registry, failed, failedAgainSnapshot);
        RunSummary retried = run("r3", RunStatus.RUNNING);
        RunMetrics.count(registry, failedAgainSnapshot, retried);
        RunMetrics.count(registry, retried, run("r3", RunStatus.COMPLETED));

        assertThat(started()).as("known before: not a new run").isZero();
        assertThat(finished("failed")).isEqualTo(1);
        assertThat(finished("completed")).isEqualTo(1);
    }

    @Test
    void anEndedRunRecordsItsLatencyFromTriggerToEnd() {
        Instant created = Instant.parse("2026-01-01T00:00:00Z");
        RunSummary running = new RunSummary("r4", "invoice", 1, RunStatus.RUNNING, created, created.plusMillis(100), null, null, null, null, null, 1);
        RunSummary completed = new RunSummary("r4", "invoice", 1, RunStatus.COMPLETED, created, created.plusMillis(100),
                created.plusMillis(2_500), null, null, null, null, 2);
        RunMetrics.count(registry, null, running);
        RunMetrics.count(registry, running, completed);
        RunMetrics.count(registry, completed, completed);

        var latency = registry.find(RunMetrics.LATENCY).tag("workflow", "invoice").timer();
        assertThat(latency).isNotNull();
        assertThat(latency.count()).as("once per end, not per repeated final snapshot").isEqualTo(1);
        assertThat(latency.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2_500);
    }
}
