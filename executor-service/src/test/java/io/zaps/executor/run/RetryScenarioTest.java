package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.stored;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries with backoff and attempt timeouts, driven through whole runs. The jitter fraction is fixed
 * at 0.5, so with {@code jitter: 0.2} every wait is exactly 90 % of its capped exponential value.
 */
class RetryScenarioTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover(), GRACE, (run, step, attempt) -> 0.5);
    /** Waits of 2 s * 3^(n-1), capped at 10 s, times 0.9: 1.8 s, 5.4 s, 9 s, ... */
    private static final RetryPolicy THREE = new RetryPolicy(3, 2.0, 3.0, 10.0, 0.2);

    private RunState state;
    private Decision last;

    private static WorkflowDefinition oneWebhook(RetryPolicy stepRetry, Integer timeoutSeconds, RetryPolicy workflowRetry) {
        StepDefinition send = new StepDefinition("send", "webhook", json("{\"url\": \"http://127.0.0.1:9/hook\"}"), null, stepRetry, timeoutSeconds);
        return new WorkflowDefinition("hook", "hook", null, "send", WorkflowStatus.ACTIVE, List.of(send), 1, T0, T0, workflowRetry);
    }

    private Decision run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (!last.wasIgnored()) {
            state = stored(last.state());
        }
        return last;
    }

    private static CompleteStep result(int attempt, boolean ok, int status, boolean retryable) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send", attempt, RUN_ID + ":send:" + attempt,
                ok ? CompleteStep.Outcome.SUCCEEDED : CompleteStep.Outcome.FAILED,
                json("{\"status_code\": " + status + "}"), ok ? null : "HTTP " + status, retryable, T0, T0);
    }

    private static FireTimer timer(int attempt, Instant dueAt, FireTimer.Kind kind) {
        return new FireTimer(SchemaVersions.CURRENT, RUN_ID, "send", attempt, dueAt, kind);
    }

    private static List<RunEventType> types(Decision decision) {
        return decision.events().stream().map(RunEvent::type).toList();
    }

    private static List<Effect.ScheduleTimer> timers(Decision decision) {
        return decision.effects().stream().filter(Effect.ScheduleTimer.class::isInstance).map(Effect.ScheduleTimer.class::cast).toList();
    }

    private static ExecuteStep dispatched(Decision decision) {
        return decision.effects().stream().filter(Effect.DispatchStep.class::isInstance)
                .map(e -> ((Effect.DispatchStep) e).request()).findFirst().orElseThrow();
    }

    private StepState send() {
        return state.run().steps().get("send");
    }

    private void assertIgnored(Decision decision, IgnoreReason reason) {
        assertThat(decision.wasIgnored()).as("ignored: %s", decision.ignored()).isTrue();
        assertThat(decision.ignored().reason()).isEqualTo(reason);
        assertThat(decision.effects()).isEmpty();
    }

    @Test
    void retryableFailuresAreRetriedAfterTheExactBackoffUntilSuccess() {
        run(start(oneWebhook(THREE, null, null), json("{}")), T0);
        assertThat(dispatched(last).idempotencyKey()).isEqualTo(RUN_ID + ":send:1");
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 1,
                T0.plusSeconds(30).plus(GRACE), FireTimer.Kind.ATTEMPT_TIMEOUT));

        Instant failed1 = T0.plusSeconds(1);
        run(result(1, false, 500, true), failed1);
        assertThat(types(last)).containsExactly(RunEventType.STEP_RETRY_SCHEDULED);
        Instant due2 = failed1.plusMillis(1_800);
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 2, due2, FireTimer.Kind.RETRY));
        assertThat(send().status()).isEqualTo(StepStatus.RUNNING);
        assertThat(send().nextAttemptAt()).isEqualTo(due2);
        assertThat(send().error()).isEqualTo("HTTP 500");
        assertThat(send().attempts()).containsExactly(
                new StepAttempt(1, T0, failed1, StepAttempt.Outcome.FAILED, "HTTP 500", true, null, null));

        assertIgnored(run(timer(2, due2, FireTimer.Kind.RETRY), due2.minusMillis(1)), IgnoreReason.NOT_DUE);
        run(timer(2, due2, FireTimer.Kind.RETRY), due2);
        assertThat(types(last)).containsExactly(RunEventType.STEP_STARTED);
        ExecuteStep second = dispatched(last);
        assertThat(second.attempt()).isEqualTo(2);
        assertThat(second.idempotencyKey()).isEqualTo(RUN_ID + ":send:2");
        assertThat(send().nextAttemptAt()).isNull();
        assertThat(send().attempt()).isEqualTo(2);

        Instant failed2 = due2.plusSeconds(1);
        run(result(2, false, 500, true), failed2);
        Instant due3 = failed2.plusMillis(5_400);
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 3, due3, FireTimer.Kind.RETRY));

        run(timer(3, due3, FireTimer.Kind.RETRY), due3);
        assertThat(dispatched(last).idempotencyKey()).isEqualTo(RUN_ID + ":send:3");
        Instant succeeded = due3.plusMillis(300);
        run(result(3, true, 200, false), succeeded);
        assertThat(types(last)).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(send().attempts()).extracting(StepAttempt::outcome).containsExactly(
                StepAttempt.Outcome.FAILED, StepAttempt.Outcome.FAILED, StepAttempt.Outcome.SUCCEEDED);
        assertThat(send().attempts()).extracting(StepAttempt::startTime).containsExactly(T0, due2, due3);
        assertThat(send().error()).isNull();
        assertThat(state.run().revision()).isEqualTo(8);
    }

    private static CompleteStep rateLimited(int attempt, Long retryAfterSeconds) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send", attempt, RUN_ID + ":send:" + attempt,
                CompleteStep.Outcome.FAILED, json("{\"status_code\": 429}"), "HTTP 429", true, T0, T0, retryAfterSeconds);
    }

    @Test
    void aRetryAfterHintLengthensTheWaitButNeverBeyondTheMaxInterval() {
        run(start(oneWebhook(new RetryPolicy(5, 2.0, 3.0, 10.0, 0.2), null, null), json("{}")), T0);
        Instant failed1 = T0.plusSeconds(1);
        run(rateLimited(1, 4L), failed1);
        assertThat(send().nextAttemptAt()).as("max(backoff 1.8 s, hint 4 s)").isEqualTo(failed1.plusSeconds(4));
        assertThat(timers(last)).contains(new Effect.ScheduleTimer(RUN_ID, "send", 2, failed1.plusSeconds(4), FireTimer.Kind.RETRY));

        run(timer(2, send().nextAttemptAt(), FireTimer.Kind.RETRY), failed1.plusSeconds(4));
        Instant failed2 = failed1.plusSeconds(5);
        run(rateLimited(2, 1L), failed2);
        assertThat(send().nextAttemptAt()).as("the backoff (5.4 s) when it is longer than the hint").isEqualTo(failed2.plusMillis(5_400));

        run(timer(3, send().nextAttemptAt(), FireTimer.Kind.RETRY), failed2.plusMillis(5_400));
        Instant failed3 = failed2.plusSeconds(6);
        run(rateLimited(3, 3_600L), failed3);
        assertThat(send().nextAttemptAt()).as("capped by max_interval 10 s").isEqualTo(failed3.plusSeconds(10));
    }

    @Test
    void theHintIsCappedByTheDefaultMaxIntervalAndIgnoredWithoutRetries() {
        assertThat(Backoff.delay(new RetryPolicy(3, null, null, null, 0.0), 1, 0.0, Duration.ofHours(1)))
                .isEqualTo(Duration.ofSeconds(300));
        assertThat(Backoff.delay(new RetryPolicy(3, null, null, null, 0.0), 1, 0.0, null)).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.delay(new RetryPolicy(3, 60.0, null, 30.0, 0.0), 1, 0.0, Duration.ofSeconds(45)))
                .as("max_interval below initial_interval: the initial interval wins, as without a hint").isEqualTo(Duration.ofSeconds(60));

        run(start(oneWebhook(null, null, null), json("{}")), T0);
        run(rateLimited(1, 30L), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
    }

    @Test
    void aPermanentFailureIsNotRetried() {
        run(start(oneWebhook(THREE, null, null), json("{}")), T0);
        run(result(1, false, 404, false), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(timers(last)).isEmpty();
        assertThat(state.run().error()).isEqualTo("step 'send' failed: attempt 1 of 3: HTTP 404 (permanent failure, not retried)");
        assertThat(send().attempts()).singleElement().extracting(StepAttempt::retryable).isEqualTo(false);
    }

    @Test
    void whenAttemptsAreExhaustedTheStepAndRunFailNamingTheLastAttempt() {
        RetryPolicy two = new RetryPolicy(2, 1.0, null, null, 0.0);
        run(start(oneWebhook(two, null, null), json("{}")), T0);
        run(result(1, false, 503, true), T0.plusSeconds(1));
        Instant due2 = T0.plusSeconds(2);
        assertThat(send().nextAttemptAt()).isEqualTo(due2);
        run(timer(2, due2, FireTimer.Kind.RETRY), due2);
        run(result(2, false, 503, true), due2.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(state.run().error()).isEqualTo("step 'send' failed: attempt 2 of 2: HTTP 503 (no attempts left)");
        assertThat(send().status()).isEqualTo(StepStatus.FAILED);
        assertThat(send().attempts()).hasSize(2);
    }

    @Test
    void withoutARetryPolicyAFailureFailsTheRunAsBefore() {
        run(start(oneWebhook(null, null, null), json("{}")), T0);
        run(result(1, false, 500, true), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(state.run().error()).isEqualTo("step 'send' failed: HTTP 500");
    }

    @Test
    void aTimedOutAttemptIsRetriedAndItsLateResultIsRecordedButIgnored() {
        run(start(oneWebhook(THREE, 10, null), json("{}")), T0);
        Instant deadline = T0.plusSeconds(10).plus(GRACE);
        assertThat(dispatched(last).deadline()).isEqualTo(deadline);
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT));

        assertIgnored(run(timer(1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT), deadline.minusMillis(1)), IgnoreReason.NOT_DUE);
        run(timer(1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT), deadline);
        assertThat(types(last)).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_RETRY_SCHEDULED);
        Instant due2 = deadline.plusMillis(1_800);
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 2, due2, FireTimer.Kind.RETRY));
        assertThat(send().attempts()).containsExactly(
                new StepAttempt(1, T0, deadline, StepAttempt.Outcome.TIMED_OUT, "no result within 10 s", true, null, null));

        // The late result of attempt 1: recorded on attempt 1, which stays timed out; nothing else changes.
        Instant lateAt = deadline.plusMillis(500);
        run(result(1, true, 200, false), lateAt);
        assertThat(types(last)).containsExactly(RunEventType.STEP_LATE_RESULT);
        assertThat(timers(last)).isEmpty();
        assertThat(send().attempts()).containsExactly(new StepAttempt(1, T0, deadline, StepAttempt.Outcome.TIMED_OUT,
                "no result within 10 s", true, StepAttempt.Outcome.SUCCEEDED, lateAt));
        assertThat(send().status()).isEqualTo(StepStatus.RUNNING);
        assertThat(send().nextAttemptAt()).isEqualTo(due2);
        assertIgnored(run(result(1, true, 200, false), lateAt.plusMillis(1)), IgnoreReason.STALE_ATTEMPT);

        run(timer(2, due2, FireTimer.Kind.RETRY), due2);
        assertThat(dispatched(last).idempotencyKey()).isEqualTo(RUN_ID + ":send:2");
        run(result(2, true, 200, false), due2.plusSeconds(1));
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(send().attempts()).extracting(StepAttempt::outcome)
                .containsExactly(StepAttempt.Outcome.TIMED_OUT, StepAttempt.Outcome.SUCCEEDED);
    }

    @Test
    void aTimeoutWithoutRetryFailsTheRun() {
        run(start(oneWebhook(null, null, null), json("{}")), T0);
        Instant deadline = T0.plusSeconds(30).plus(GRACE);
        run(timer(1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT), deadline);
        assertThat(types(last)).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(state.run().error()).isEqualTo("step 'send' failed: no result within 30 s");
        assertThat(send().attempts()).singleElement().extracting(StepAttempt::outcome).isEqualTo(StepAttempt.Outcome.TIMED_OUT);
        assertIgnored(run(result(1, true, 200, false), deadline.plusSeconds(1)), IgnoreReason.RUN_FINAL);
    }

    @Test
    void staleTimersAndDuplicateResultsAreIgnored() {
        run(start(oneWebhook(THREE, null, null), json("{}")), T0);
        Instant deadline1 = T0.plusSeconds(35);
        run(result(1, false, 500, true), T0.plusSeconds(1));
        RunState waiting = state;
        Instant due2 = T0.plusMillis(2_800);
        assertIgnored(run(result(1, false, 500, true), T0.plusSeconds(2)), IgnoreReason.STALE_ATTEMPT);
        assertIgnored(run(timer(1, deadline1, FireTimer.Kind.ATTEMPT_TIMEOUT), deadline1), IgnoreReason.STALE_ATTEMPT);
        assertThat(state).isSameAs(waiting);

        run(timer(2, due2, FireTimer.Kind.RETRY), due2);
        assertIgnored(run(timer(2, due2, FireTimer.Kind.RETRY), due2.plusSeconds(1)), IgnoreReason.STALE_ATTEMPT);
        assertIgnored(run(timer(3, due2, FireTimer.Kind.RETRY), due2.plusSeconds(1)), IgnoreReason.STALE_ATTEMPT);
        assertIgnored(run(timer(1, deadline1, FireTimer.Kind.ATTEMPT_TIMEOUT), deadline1), IgnoreReason.STALE_ATTEMPT);
        assertIgnored(run(timer(2, due2, FireTimer.Kind.DELAY), due2.plusSeconds(1)), IgnoreReason.NOT_APPLICABLE);
        assertIgnored(run(result(1, true, 200, false), due2.plusSeconds(1)), IgnoreReason.STALE_ATTEMPT);
        assertThat(send().attempt()).isEqualTo(2);
    }

    @Test
    void theWorkflowDefaultAppliesUnlessTheStepHasItsOwnPolicy() {
        StepDefinition a = new StepDefinition("a", "webhook", json("{\"url\": \"http://127.0.0.1:9/a\"}"), "b");
        StepDefinition b = new StepDefinition("b", "webhook", json("{\"url\": \"http://127.0.0.1:9/b\"}"), null, RetryPolicy.NONE, null);
        WorkflowDefinition workflow = new WorkflowDefinition("two", "two", null, "a", WorkflowStatus.ACTIVE, List.of(a, b), 1, T0, T0,
                new RetryPolicy(2, 4.0, null, null, 0.5));
        run(start(workflow, json("{}")), T0);
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "a", 1, null, CompleteStep.Outcome.FAILED, null, "HTTP 502", true, T0, T0), T0);
        assertThat(types(last)).containsExactly(RunEventType.STEP_RETRY_SCHEDULED);
        assertThat(state.run().steps().get("a").nextAttemptAt()).as("4 s shortened by 0.5 * 0.5").isEqualTo(T0.plusSeconds(3));
        run(new FireTimer(SchemaVersions.CURRENT, RUN_ID, "a", 2, T0.plusSeconds(3), FireTimer.Kind.RETRY), T0.plusSeconds(3));
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "a", 2, null, CompleteStep.Outcome.SUCCEEDED, null, null, false, T0, T0), T0.plusSeconds(4));
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "b", 1, null, CompleteStep.Outcome.FAILED, null, "HTTP 502", true, T0, T0), T0.plusSeconds(5));
        assertThat(types(last)).as("b's own policy: one attempt").containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(state.run().error()).isEqualTo("step 'b' failed: HTTP 502");
    }

    @Test
    void delayStepsAreNotGivenAttemptTimeouts() {
        WorkflowDefinition wait = new WorkflowDefinition("w", "w", null, "wait", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("wait", "delay", json("{\"seconds\": 60}"), null, THREE, 1)), 1, T0, T0, THREE);
        run(start(wait, json("{}")), T0);
        assertThat(timers(last)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "wait", 1, T0.plusSeconds(60)));
        assertIgnored(MACHINE.decide(state, new FireTimer(SchemaVersions.CURRENT, RUN_ID, "wait", 1, T0.plusSeconds(6),
                FireTimer.Kind.ATTEMPT_TIMEOUT), T0.plusSeconds(6)), IgnoreReason.NOT_APPLICABLE);
    }

    @Test
    void backoffGrowsIsCappedAndItsJitterIsAStableHash() {
        RetryPolicy policy = new RetryPolicy(10, 1.0, 2.0, 5.0, 0.0);
        assertThat(List.of(1, 2, 3, 4, 5).stream().map(n -> Backoff.delay(policy, n, 0.7).toMillis()).toList())
                .containsExactly(1_000L, 2_000L, 4_000L, 5_000L, 5_000L);
        assertThat(Backoff.delay(new RetryPolicy(null, null, null, null, null), 1, 0.5)).isEqualTo(Duration.ofMillis(900));
        Backoff.Jitter hashed = Backoff.Jitter.hashed();
        double a = hashed.fraction(RUN_ID, "send", 1);
        assertThat(a).isBetween(0.0, 1.0).isEqualTo(hashed.fraction(RUN_ID, "send", 1));
        assertThat(hashed.fraction(RUN_ID, "send", 2)).isNotEqualTo(a);
        assertThat(Backoff.maxAttempts(new RetryPolicy(0, null, null, null, null))).isEqualTo(1);
        assertThat(Json.toString(policy)).isEqualTo("{\"max_attempts\":10,\"initial_interval\":1.0,\"multiplier\":2.0,\"max_interval\":5.0,\"jitter\":0.0}");
    }
}
