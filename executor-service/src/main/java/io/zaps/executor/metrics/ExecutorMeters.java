package io.zaps.executor.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.kafka.DeadLetters;

import java.time.Duration;

/**
 * The executor's meters, recorded by its Kafka Streams processors (the shell) from what each decision changed, so the run
 * state machine stays free of them:
 * <ul>
 *   <li>{@code zaps_step_attempt_seconds{type,outcome}}: a histogram of step attempts, from start to end as the run
 *       records them (a delay's attempt is its wait; an external step's includes its time in Kafka and the connector);</li>
 *   <li>{@code zaps_step_retries_total{type}}: attempts started after a step's first (a retry after backoff or a timeout,
 *       or {@code retry_run});</li>
 *   <li>{@code zaps_timer_lag_seconds{kind}}: how late each durable timer fired (fire time minus due time);</li>
 *   <li>{@code zaps_dead_letters_total{topic}} for the records the executor dead-letters itself.</li>
 * </ul>
 * Recorded while processing, inside the task's transaction: a transaction that aborts and is processed again counts
 * its attempts twice (rare: a crash or a fenced producer), so these are for dashboards, not accounting.
 */
public final class ExecutorMeters {
    public static final String STEP_ATTEMPT = "zaps.step.attempt";
    public static final String STEP_RETRIES = "zaps.step.retries";
    public static final String TIMER_LAG = "zaps.timer.lag";

    private final MeterRegistry registry;
    private final DeadLetters deadLetters;

    public ExecutorMeters(MeterRegistry registry) {
        this.registry = registry;
        this.deadLetters = DeadLetters.countedIn(registry);
    }

    /** Meters that go nowhere (tests). */
    public static ExecutorMeters none() {
        return new ExecutorMeters(new CompositeMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Counts the executor's own dead letters. */
    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /** Records the attempts a decision started and ended, from the run before it (null: new) and after it. */
    public void decided(RunSnapshot before, RunSnapshot after) {
        AttemptChanges changes = AttemptChanges.between(before, after);
        for (AttemptChanges.Started started : changes.started()) {
            if (started.isRetry()) {
                Counter.builder(STEP_RETRIES).description("Step attempts started after the step's first, by step type")
                        .tag("type", started.type()).register(registry).increment();
            }
        }
        for (AttemptChanges.Ended ended : changes.ended()) {
            Timer.builder(STEP_ATTEMPT).description("Step attempts from start to end, by step type and outcome")
                    .tag("type", ended.type()).tag("outcome", ended.outcome().wireName())
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
                    .register(registry).record(ended.took());
        }
    }

    /** Records how late a timer of {@code kind} fired: {@code lag} = fire time minus due time (negative counts as 0). */
    public void timerFired(FireTimer.Kind kind, Duration lag) {
        Timer.builder(TIMER_LAG).description("How late durable timers fire: fire time minus due time, by timer kind")
                .tag("kind", kind == null ? FireTimer.Kind.DELAY.wireName() : kind.wireName())
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry).record(lag.isNegative() ? Duration.ZERO : lag);
    }
}
