package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
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
import static io.zaps.executor.run.Fixtures.invoiceContext;
import static io.zaps.executor.run.Fixtures.invoiceReminder;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.stored;
import static org.assertj.core.api.Assertions.assertThat;

/** Cancel, pause, resume and retry, driven through whole runs; and every control command a run's status refuses. */
class RunControlScenarioTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover(), GRACE, (run, step, attempt) -> 0.5);
    /** Two attempts, 1 s apart (2 s * 0.9 with jitter 0.2 and fraction 0.5 is 1.8 s for the first wait). */
    private static final RetryPolicy TWO = new RetryPolicy(2, 2.0, 1.0, 10.0, 0.2);

    private RunState state;
    private Decision last;

    private Decision run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (!last.wasIgnored()) {
            state = last.state() == null ? null : stored(last.state());
        }
        return last;
    }

    /** A webhook, then a 5 s delay. */
    private static WorkflowDefinition hookThenDelay(RetryPolicy retry) {
        return new WorkflowDefinition("hook", "hook", null, "send", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("send", "webhook", json("{\"url\": \"http://127.0.0.1:9/hook\"}"), "wait", retry, null),
                new StepDefinition("wait", "delay", json("{\"seconds\": 5}"), null)), 1, T0, T0);
    }

    private static CancelRun cancel() {
        return new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, "operator");
    }

    private static PauseRun pause() {
        return new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null);
    }

    private static ResumeRun resume() {
        return new ResumeRun(SchemaVersions.CURRENT, RUN_ID, T0, null);
    }

    private static RetryRun retry() {
        return new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null);
    }

    private static CompleteStep result(String step, int attempt, boolean ok, boolean retryable) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, step, attempt, RUN_ID + ":" + step + ":" + attempt,
                ok ? CompleteStep.Outcome.SUCCEEDED : CompleteStep.Outcome.FAILED,
                json("{\"status_code\": " + (ok ? 200 : 503) + "}"), ok ? null : "HTTP 503", retryable, T0, T0);
    }

    private static FireTimer timer(String step, int attempt, Instant dueAt, FireTimer.Kind kind) {
        return new FireTimer(SchemaVersions.CURRENT, RUN_ID, step, attempt, dueAt, kind);
    }

    private static List<RunEventType> types(Decision decision) {
        return decision.events().stream().map(RunEvent::type).toList();
    }

    private static List<ExecuteStep> dispatched(Decision decision) {
        return decision.effects().stream().filter(Effect.DispatchStep.class::isInstance)
                .map(e -> ((Effect.DispatchStep) e).request()).toList();
    }

    private static void assertIgnored(Decision decision, IgnoreReason reason) {
        assertThat(decision.wasIgnored()).as("ignored: %s", decision.ignored()).isTrue();
        assertThat(decision.ignored().reason()).isEqualTo(reason);
        assertThat(decision.ignored().detail()).isNotBlank();
        assertThat(decision.effects()).isEmpty();
    }

    private RunStatus status() {
        return state.run().status();
    }

    @Test
    void cancelEndsARunningRunAndEverythingStillInFlightIsIgnored() {
        run(start(hookThenDelay(null), json("{}")), T0);
        long revision = state.run().revision();

        run(cancel(), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.RUN_CANCELLED);
        assertThat(last.effects()).hasSize(2).first().as("the running attempt's timeout is cancelled")
                .isEqualTo(new Effect.CancelTimer(RUN_ID, "send", 1, T0.plusSeconds(35), FireTimer.Kind.ATTEMPT_TIMEOUT));
        assertThat(status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(state.run().revision()).isEqualTo(revision + 1);
        assertThat(state.run().completedAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(state.run().error()).isEqualTo("cancelled: operator");
        assertThat(state.run().steps().get("send").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(state.run().steps().get("send").attempts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).as("the attempt in flight is closed").isEqualTo(StepAttempt.Outcome.CANCELLED);
            assertThat(a.endTime()).isEqualTo(T0.plusSeconds(1));
            assertThat(a.retryable()).isFalse();
        });
        assertThat(state.run().steps().get("wait").status()).isEqualTo(StepStatus.SKIPPED);

        assertIgnored(run(result("send", 1, true, false), T0.plusSeconds(2)), IgnoreReason.RUN_FINAL);
        assertIgnored(run(timer("send", 1, T0.plusSeconds(35), FireTimer.Kind.ATTEMPT_TIMEOUT), T0.plusSeconds(40)), IgnoreReason.RUN_FINAL);
        assertIgnored(run(cancel(), T0.plusSeconds(41)), IgnoreReason.RUN_FINAL);
        assertIgnored(run(pause(), T0.plusSeconds(41)), IgnoreReason.RUN_FINAL);
        assertIgnored(run(resume(), T0.plusSeconds(41)), IgnoreReason.RUN_FINAL);
        assertIgnored(run(retry(), T0.plusSeconds(41)), IgnoreReason.WRONG_STATUS);
        assertThat(state.run().revision()).isEqualTo(revision + 1);
    }

    @Test
    void aCancelThatOvertakesItsStartRunIsRememberedAndTheRunNeverStarts() {
        run(cancel(), T0);
        assertThat(last.wasIgnored()).isFalse();
        assertThat(last.effects()).as("nothing to publish before the run is known").isEmpty();
        assertThat(status()).isEqualTo(RunStatus.CANCELLED);

        run(start(invoiceReminder(), invoiceContext()), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.RUN_CANCELLED);
        assertThat(dispatched(last)).isEmpty();
        assertThat(last.effects()).hasSize(1);
        assertThat(state.run().revision()).isEqualTo(1);
        assertThat(state.run().workflowId()).isEqualTo("invoice_reminder");
        assertThat(state.run().steps().values()).allMatch(s -> s.status() == StepStatus.SKIPPED);
        assertThat(state.run().error()).isEqualTo("cancelled: operator");

        assertIgnored(run(start(invoiceReminder(), invoiceContext()), T0.plusSeconds(2)), IgnoreReason.DUPLICATE_START);
    }

    @Test
    void aPausedRunHoldsItsNextStepUntilResumeAndARunningOneCannotBeResumed() {
        run(start(hookThenDelay(null), json("{}")), T0);
        assertIgnored(run(resume(), T0), IgnoreReason.WRONG_STATUS);

        run(pause(), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.RUN_PAUSED);
        assertThat(status()).isEqualTo(RunStatus.PAUSED);
        assertIgnored(run(pause(), T0.plusSeconds(1)), IgnoreReason.WRONG_STATUS);

        run(result("send", 1, true, false), T0.plusSeconds(2));
        assertThat(types(last)).as("the in-flight result is recorded, nothing new starts").containsExactly(RunEventType.STEP_SUCCEEDED);
        assertThat(last.effects()).hasSize(2).first().isInstanceOf(Effect.CancelTimer.class);
        assertThat(state.run().steps().get("send").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(state.run().steps().get("wait").status()).isEqualTo(StepStatus.PENDING);
        assertThat(status()).isEqualTo(RunStatus.PAUSED);

        Instant resumed = T0.plusSeconds(10);
        run(resume(), resumed);
        assertThat(types(last)).containsExactly(RunEventType.RUN_RESUMED, RunEventType.STEP_STARTED);
        assertThat(last.effects()).contains(new Effect.ScheduleTimer(RUN_ID, "wait", 1, resumed.plusSeconds(5)));
        assertThat(status()).isEqualTo(RunStatus.RUNNING);

        run(timer("wait", 1, resumed.plusSeconds(5), FireTimer.Kind.DELAY), resumed.plusSeconds(5));
        assertThat(types(last)).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
    }

    @Test
    void aDelayThatFallsDueWhilePausedFiresOnResume() {
        run(start(invoiceReminder(), invoiceContext()), T0);
        run(pause(), T0.plusSeconds(1));
        Instant due = T0.plusSeconds(2);

        assertIgnored(run(timer("delay_step", 1, due, FireTimer.Kind.DELAY), due), IgnoreReason.PAUSED);
        assertThat(state.run().steps().get("delay_step").status()).isEqualTo(StepStatus.RUNNING);

        run(resume(), T0.plusSeconds(30));
        assertThat(types(last)).containsExactly(RunEventType.RUN_RESUMED, RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);
        assertThat(state.run().steps().get("delay_step").output().get("fired_at").stringValue()).isEqualTo(T0.plusSeconds(30).toString());
        assertThat(dispatched(last)).singleElement().satisfies(r -> assertThat(r.stepId()).isEqualTo("send_reminder"));
    }

    @Test
    void resumedBeforeTheDelayIsDueTheTimerFiresAsUsual() {
        run(start(invoiceReminder(), invoiceContext()), T0);
        run(pause(), T0.plusMillis(500));
        run(resume(), T0.plusSeconds(1));
        assertThat(types(last)).containsExactly(RunEventType.RUN_RESUMED);
        assertThat(last.effects()).hasSize(1);

        run(timer("delay_step", 1, T0.plusSeconds(2), FireTimer.Kind.DELAY), T0.plusSeconds(2));
        assertThat(types(last)).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);
    }

    @Test
    void aRetryThatFallsDueWhilePausedStartsOnResumeWithTheNextKey() {
        run(start(hookThenDelay(TWO), json("{}")), T0);
        run(pause(), T0.plusSeconds(1));

        run(result("send", 1, false, true), T0.plusSeconds(2));
        assertThat(types(last)).containsExactly(RunEventType.STEP_RETRY_SCHEDULED);
        Instant due = T0.plusSeconds(2).plusMillis(1_800);
        assertThat(last.effects()).contains(new Effect.ScheduleTimer(RUN_ID, "send", 2, due, FireTimer.Kind.RETRY));

        assertIgnored(run(timer("send", 2, due, FireTimer.Kind.RETRY), due), IgnoreReason.PAUSED);
        assertThat(state.run().steps().get("send").attempt()).isEqualTo(1);

        run(resume(), due.plusSeconds(60));
        assertThat(types(last)).containsExactly(RunEventType.RUN_RESUMED, RunEventType.STEP_STARTED);
        assertThat(dispatched(last)).singleElement().satisfies(r -> {
            assertThat(r.attempt()).isEqualTo(2);
            assertThat(r.idempotencyKey()).isEqualTo(RUN_ID + ":send:2");
        });
    }

    @Test
    void aPausedRunStillFailsWhenItsInFlightAttemptFailsForGood() {
        run(start(hookThenDelay(null), json("{}")), T0);
        run(pause(), T0.plusSeconds(1));
        run(result("send", 1, false, false), T0.plusSeconds(2));
        assertThat(types(last)).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void retryRunsAFailedRunAgainFromItsFailedStepKeepingEarlierOutputs() {
        run(start(invoiceReminder(), invoiceContext()), T0);
        assertIgnored(run(retry(), T0), IgnoreReason.WRONG_STATUS);
        run(timer("delay_step", 1, T0.plusSeconds(2), FireTimer.Kind.DELAY), T0.plusSeconds(2));
        var delayOutput = state.run().steps().get("delay_step").output();
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send_reminder", 1, RUN_ID + ":send_reminder:1",
                CompleteStep.Outcome.FAILED, null, "HTTP 404", false, T0, T0), T0.plusSeconds(3));
        assertThat(status()).isEqualTo(RunStatus.FAILED);
        long revision = state.run().revision();

        Instant retried = T0.plusSeconds(100);
        run(retry(), retried);
        assertThat(types(last)).containsExactly(RunEventType.RUN_RETRIED, RunEventType.STEP_STARTED);
        assertThat(last.events().get(0).stepId()).isEqualTo("send_reminder");
        assertThat(state.run().runId()).isEqualTo(RUN_ID);
        assertThat(state.run().revision()).isEqualTo(revision + 2);
        assertThat(status()).isEqualTo(RunStatus.RUNNING);
        assertThat(state.run().error()).isNull();
        assertThat(state.run().completedAt()).isNull();
        assertThat(state.run().steps().get("delay_step").output()).isEqualTo(delayOutput);
        assertThat(state.run().steps().get("send_reminder").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(state.run().steps().get("send_reminder").attempts()).extracting(a -> a.attempt()).containsExactly(1, 2);
        assertThat(dispatched(last)).singleElement().satisfies(r -> {
            assertThat(r.attempt()).isEqualTo(2);
            assertThat(r.idempotencyKey()).isEqualTo(RUN_ID + ":send_reminder:2");
            assertThat(r.config().get("body").get("to").stringValue()).isEqualTo("john@example.com");
        });

        assertIgnored(run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send_reminder", 1, RUN_ID + ":send_reminder:1",
                CompleteStep.Outcome.SUCCEEDED, null, null, false, T0, T0), retried.plusSeconds(1)), IgnoreReason.STALE_ATTEMPT);
        assertIgnored(run(retry(), retried.plusSeconds(1)), IgnoreReason.WRONG_STATUS);
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send_reminder", 2, RUN_ID + ":send_reminder:2",
                CompleteStep.Outcome.SUCCEEDED, json("{\"status_code\": 200}"), null, false, T0, T0), retried.plusSeconds(2));
        assertThat(types(last)).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertIgnored(run(retry(), retried.plusSeconds(3)), IgnoreReason.WRONG_STATUS);
        assertIgnored(run(cancel(), retried.plusSeconds(3)), IgnoreReason.RUN_FINAL);
    }

    @Test
    void afterRetryTheStepsRetryPolicyCountsAgainWhileAttemptNumbersGoOn() {
        run(start(hookThenDelay(TWO), json("{}")), T0);
        run(result("send", 1, false, true), T0.plusSeconds(1));
        Instant due = T0.plusSeconds(1).plusMillis(1_800);
        run(timer("send", 2, due, FireTimer.Kind.RETRY), due);
        run(result("send", 2, false, true), due.plusSeconds(1));
        assertThat(status()).isEqualTo(RunStatus.FAILED);
        assertThat(state.run().error()).contains("attempt 2 of 2");

        run(retry(), due.plusSeconds(10));
        assertThat(dispatched(last)).singleElement().satisfies(r -> assertThat(r.idempotencyKey()).isEqualTo(RUN_ID + ":send:3"));
        run(result("send", 3, false, true), due.plusSeconds(11));
        assertThat(types(last)).containsExactly(RunEventType.STEP_RETRY_SCHEDULED);
        assertThat(last.effects()).contains(new Effect.ScheduleTimer(RUN_ID, "send", 4, due.plusSeconds(11).plusMillis(1_800), FireTimer.Kind.RETRY));
        run(timer("send", 4, due.plusSeconds(11).plusMillis(1_800), FireTimer.Kind.RETRY), due.plusSeconds(13));
        run(result("send", 4, false, true), due.plusSeconds(14));
        assertThat(status()).isEqualTo(RunStatus.FAILED);
        assertThat(state.run().error()).contains("attempt 2 of 2");
    }

    @Test
    void controlCommandsForAnUnknownRunOrARunThatFailedBeforeAnyStepAreIgnored() {
        assertIgnored(run(pause(), T0), IgnoreReason.UNKNOWN_RUN);
        assertIgnored(run(resume(), T0), IgnoreReason.UNKNOWN_RUN);
        assertIgnored(run(retry(), T0), IgnoreReason.UNKNOWN_RUN);

        WorkflowDefinition broken = new WorkflowDefinition("broken", "broken", null, "missing", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("only", "delay", json("{\"seconds\": 1}"), null)), 1, T0, T0);
        run(start(broken, json("{}")), T0);
        assertThat(status()).isEqualTo(RunStatus.FAILED);
        assertIgnored(run(retry(), T0.plusSeconds(1)), IgnoreReason.NOT_APPLICABLE);
        assertIgnored(run(pause(), T0.plusSeconds(1)), IgnoreReason.RUN_FINAL);
    }
}
