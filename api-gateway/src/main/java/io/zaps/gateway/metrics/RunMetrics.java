package io.zaps.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.RunSummary;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Locale;

/**
 * Run counters, counted where run events are projected (the run catalog hears every snapshot the projector
 * wrote): {@code zaps_runs_started_total{workflow}} for a run first seen since this gateway started, and
 * {@code zaps_runs_finished_total{workflow,status}} when a run reaches a final status ({@code completed},
 * {@code failed}, {@code cancelled}; a failed run retried to completion counts once each). With several gateways
 * each projects its share of the partitions: sum the instances (the runs a gateway only hears of from another
 * gateway's partitions are shown in its catalog but are no transition, so they count once, where projected). A
 * replay of events already projected counts nothing (the store refuses it before the catalog hears it).
 */
@Component
class RunMetrics {
    static final String STARTED = "zaps.runs.started";
    static final String FINISHED = "zaps.runs.finished";
    static final String LATENCY = "zaps.run.latency";

    RunMetrics(RunCatalog catalog, MeterRegistry registry) {
        catalog.onTransition((before, now) -> count(registry, before, now));
    }

    static void count(MeterRegistry registry, RunSummary before, RunSummary now) {
        if (before == null) {
            Counter.builder(STARTED).description("Runs started (first projected) since start-up")
                    .tag("workflow", now.workflowId()).register(registry).increment();
        }
        if (now.status().isFinal() && (before == null || before.status() != now.status())) {
            Counter.builder(FINISHED).description("Runs that reached a final status")
                    .tag("workflow", now.workflowId()).tag("status", now.status().name().toLowerCase(Locale.ROOT))
                    .register(registry).increment();
            if (now.createdAt() != null && now.completedAt() != null) {
                Duration latency = Duration.between(now.createdAt(), now.completedAt());
                Timer.builder(LATENCY).description("Runs from trigger (created_at) to end (completed_at), by workflow")
                        .tag("workflow", now.workflowId())
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                        .register(registry).record(latency.isNegative() ? Duration.ZERO : latency);
            }
        }
    }
}
