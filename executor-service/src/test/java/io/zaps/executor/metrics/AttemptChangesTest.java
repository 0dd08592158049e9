package io.zaps.executor.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AttemptChangesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static StepState step(String id, String type, StepAttempt... attempts) {
        StepAttempt last = attempts[attempts.length - 1];
        StepStatus status = last.outcome() == null ? StepStatus.RUNNING
                : last.outcome() == StepAttempt.Outcome.SUCCEEDED ? StepStatus.COMPLETED : StepStatus.FAILED;
        return new StepState(id, type, status, last.attempt(), null, last.startTime(), last.endTime(), null, null, List.of(attempts), null);
    }

    private static RunSnapshot run(StepState... steps) {
        Map<String, StepState> map = new LinkedHashMap<>();
        for (StepState step : steps) {
            map.put(step.stepId(), step);
        }
        return new RunSnapshot("r", "w", 1, RunStatus.RUNNING, T0, T0, null, T0, null, map, null, null, 1);
    }

    private static StepAttempt running(int attempt, long startMs) {
        return StepAttempt.started(attempt, T0.plusMillis(startMs));
    }

    private static StepAttempt ended(int attempt, long startMs, long endMs, StepAttempt.Outcome outcome) {
        return running(attempt, startMs).ended(outcome, null, null, T0.plusMillis(endMs));
    }

    @Test
    void aNewRunsFirstAttemptStartsAndIsNoRetry() {
        AttemptChanges changes = AttemptChanges.between(null, run(step("wait", "delay", running(1, 0))));

        assertThat(changes.started()).containsExactly(new AttemptChanges.Started("delay", 1));
        assertThat(changes.started().get(0).isRetry()).isFalse();
        assertThat(changes.ended()).isEmpty();
    }

    @Test
    void aFailedAttemptEndsAndTheRetryStartsLater() {
        RunSnapshot first = run(step("call", "webhook", running(1, 0)));
        RunSnapshot failed = run(step("call", "webhook", ended(1, 0, 250, StepAttempt.Outcome.FAILED)));
        RunSnapshot retried = run(step("call", "webhook", ended(1, 0, 250, StepAttempt.Outcome.FAILED), running(2, 1_250)));
        RunSnapshot done = run(step("call", "webhook", ended(1, 0, 250, StepAttempt.Outcome.FAILED),
                ended(2, 1_250, 1_300, StepAttempt.Outcome.SUCCEEDED)));

        assertThat(AttemptChanges.between(first, failed).ended())
                .containsExactly(new AttemptChanges.Ended("webhook", StepAttempt.Outcome.FAILED, Duration.ofMillis(250)));
        assertThat(AttemptChanges.between(first, failed).started()).isEmpty();
        AttemptChanges retry = AttemptChanges.between(failed, retried);
        assertThat(retry.started()).containsExactly(new AttemptChanges.Started("webhook", 2));
        assertThat(retry.started().get(0).isRetry()).isTrue();
        assertThat(retry.ended()).as("attempt 1 had ended before").isEmpty();
        assertThat(AttemptChanges.between(retried, done).ended())
                .containsExactly(new AttemptChanges.Ended("webhook", StepAttempt.Outcome.SUCCEEDED, Duration.ofMillis(50)));
    }

    @Test
    void anInstantStepStartsAndEndsInOneDecision_andUnchangedStepsCountNothing() {
        StepState earlier = step("a", "transform", ended(1, 0, 0, StepAttempt.Outcome.SUCCEEDED));
        RunSnapshot before = run(earlier);
        RunSnapshot after = run(earlier, step("b", "filter", ended(1, 5, 5, StepAttempt.Outcome.SUCCEEDED)));

        AttemptChanges changes = AttemptChanges.between(before, after);

        assertThat(changes.started()).containsExactly(new AttemptChanges.Started("filter", 1));
        assertThat(changes.ended()).containsExactly(new AttemptChanges.Ended("filter", StepAttempt.Outcome.SUCCEEDED, Duration.ZERO));
        assertThat(AttemptChanges.between(after, after)).isEqualTo(AttemptChanges.NONE);
    }

    @Test
    void metersRecordAttemptsRetriesAndTimerLag() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExecutorMeters meters = new ExecutorMeters(registry);
        RunSnapshot failed = run(step("call", "webhook", ended(1, 0, 250, StepAttempt.Outcome.TIMED_OUT)));
        RunSnapshot retried = run(step("call", "webhook", ended(1, 0, 250, StepAttempt.Outcome.TIMED_OUT), running(2, 1_250)));

        meters.decided(run(step("call", "webhook", running(1, 0))), failed);
        meters.decided(failed, retried);
        meters.timerFired(FireTimer.Kind.RETRY, Duration.ofMillis(40));
        meters.timerFired(FireTimer.Kind.DELAY, Duration.ofMillis(-3));
        meters.deadLetters().count("zaps.run-commands");

        var attempt = registry.find(ExecutorMeters.STEP_ATTEMPT).tag("type", "webhook").tag("outcome", "timed_out").timer();
        assertThat(attempt).isNotNull();
        assertThat(attempt.count()).isEqualTo(1);
        assertThat(attempt.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
        assertThat(registry.find(ExecutorMeters.STEP_RETRIES).tag("type", "webhook").counter().count()).isEqualTo(1);
        assertThat(registry.find(ExecutorMeters.TIMER_LAG).tag("kind", "retry").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(registry.find(ExecutorMeters.TIMER_LAG).tag("kind", "delay").timer().totalTime(TimeUnit.MILLISECONDS))
                .as("a timer cannot fire before it is due: clamped").isZero();
        assertThat(registry.find("zaps.dead.letters").tag("topic", "zaps.run-commands").counter().count()).isEqualTo(1);
    }
}
