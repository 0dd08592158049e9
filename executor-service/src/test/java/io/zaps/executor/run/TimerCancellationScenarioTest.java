package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.stored;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timers are cancelled when they become moot: the attempt timeout when the attempt's result arrives,
 * and whatever a cancelled run waits on. Driven through whole runs with the timer bookkeeping the
 * shell does (schedule adds, cancel removes, firing removes), so the test sees what is left behind;
 * after every applied decision the timers {@link RunStateMachine#pendingTimers derived} from the
 * stored state (what the executor rebuilds its timers from when a task starts) must be exactly those.
 */
class TimerCancellationScenarioTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover(), GRACE, (run, step, attempt) -> 0.0);
    /** Three attempts, 2 s then 4 s apart. */
    private static final RetryPolicy THREE = new RetryPolicy(3, 2.0, 2.0, 60.0, 0.0);

    private RunState state;
    private Decision last;
    private final Set<Effect.ScheduleTimer> pending = new LinkedHashSet<>();
    private final List<Effect.CancelTimer> missed = new ArrayList<>();
    private int fired;

    /** A webhook (timeout 10 s, three attempts), then a 60 s delay. */
    private static WorkflowDefinition hookThenDelay() {
        return new WorkflowDefinition("hook", "hook", null, "send", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("send", "webhook", json("{\"url\": \"http://127.0.0.1:9/hook\"}"), "wait", THREE, 10),
                new StepDefinition("wait", "delay", json("{\"seconds\": 60}"), null)), 1, T0, T0);
    }

    private void run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (last.wasIgnored()) {
            return;
        }
        state = stored(last.state());
        for (Effect effect : last.effects()) {
            if (effect instanceof Effect.ScheduleTimer timer) {
                pending.add(timer);
            } else if (effect instanceof Effect.CancelTimer cancel) {
                boolean removed = pending.remove(new Effect.ScheduleTimer(cancel.runId(), cancel.stepId(), cancel.attempt(), cancel.dueAt(), cancel.kind()));
                if (!removed) {
                    missed.add(cancel);
                }
            }
        }
        // The executor keeps no timer store: after a restart it derives the timers from the stored state.
        // That must give exactly what the effects left behind.
        assertThat(MACHINE.pendingTimers(state)).as("timers derived from the state after %s", command.getClass().getSimpleName())
                .containsExactlyInAnyOrderElementsOf(pending);
    }

    /** What the shell's punctuator does: every timer due by {@code now}, oldest first, is removed and fed back. */
    private void fireDue(Instant now) {
        List<Effect.ScheduleTimer> due = pending.stream().filter(t -> !t.dueAt().isAfter(now))
                .sorted(Comparator.comparing(Effect.ScheduleTimer::dueAt)).toList();
        for (Effect.ScheduleTimer timer : due) {
            pending.remove(timer);
            fired++;
            run(new FireTimer(SchemaVersions.CURRENT, timer.runId(), timer.stepId(), timer.attempt(), timer.dueAt(), timer.kind()), now);
        }
    }

    private static CompleteStep result(int attempt, boolean ok) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "send", attempt, RUN_ID + ":send:" + attempt,
                ok ? CompleteStep.Outcome.SUCCEEDED : CompleteStep.Outcome.FAILED, null, ok ? null : "HTTP 503", !ok, T0, T0);
    }

    private static CancelRun cancel() {
        return new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, "operator");
    }

    @Test
    void everyAttemptTimeoutIsCancelledByItsResultSoOnlyTheRetryAndDelayTimersEverFire() {
        run(start(hookThenDelay(), json("{}")), T0);
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 1, T0.plusSeconds(15), FireTimer.Kind.ATTEMPT_TIMEOUT));

        run(result(1, false), T0.plusSeconds(1));
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 2, T0.plusSeconds(3), FireTimer.Kind.RETRY));
        fireDue(T0.plusSeconds(3));
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 2, T0.plusSeconds(18), FireTimer.Kind.ATTEMPT_TIMEOUT));

        run(result(2, true), T0.plusSeconds(4));
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "wait", 1, T0.plusSeconds(64), FireTimer.Kind.DELAY));
        fireDue(T0.plusSeconds(64));

        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(pending).as("nothing left behind").isEmpty();
        assertThat(missed).as("every cancel found its timer").isEmpty();
        assertThat(fired).as("the retry and the delay; no attempt timeout ever fired").isEqualTo(2);
    }

    @Test
    void aTimeoutThatFiredIsNotCancelledAgainAndTheNextAttemptsIs() {
        run(start(hookThenDelay(), json("{}")), T0);
        fireDue(T0.plusSeconds(15));
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "send", 2, T0.plusSeconds(17), FireTimer.Kind.RETRY));
        fireDue(T0.plusSeconds(17));
        run(result(2, false), T0.plusSeconds(18));
        fireDue(T0.plusSeconds(22));
        run(result(3, false), T0.plusSeconds(23));

        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(pending).isEmpty();
        assertThat(missed).isEmpty();
    }

    @Test
    void cancellingARunCancelsTheTimerItWaitsOn() {
        run(start(hookThenDelay(), json("{}")), T0);
        run(cancel(), T0.plusSeconds(1));
        assertThat(last.effects()).first().isEqualTo(
                new Effect.CancelTimer(RUN_ID, "send", 1, T0.plusSeconds(15), FireTimer.Kind.ATTEMPT_TIMEOUT));
        assertThat(pending).as("in flight").isEmpty();

        state = null;
        run(start(hookThenDelay(), json("{}")), T0);
        run(result(1, false), T0.plusSeconds(1));
        run(cancel(), T0.plusSeconds(2));
        assertThat(pending).as("waiting for a retry").isEmpty();

        state = null;
        run(start(hookThenDelay(), json("{}")), T0);
        run(result(1, true), T0.plusSeconds(1));
        run(cancel(), T0.plusSeconds(2));
        assertThat(state.run().status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(pending).as("in a 60 s delay").isEmpty();
        assertThat(missed).isEmpty();
    }

    @Test
    void aDelayThatFellDueWhileThePausedRunWaitedIsIgnoredThenStartedByTheResume() {
        run(start(hookThenDelay(), json("{}")), T0);
        run(result(1, true), T0.plusSeconds(1));
        run(new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(2));
        assertThat(pending).containsExactly(new Effect.ScheduleTimer(RUN_ID, "wait", 1, T0.plusSeconds(61), FireTimer.Kind.DELAY));

        fireDue(T0.plusSeconds(61));
        assertThat(last.wasIgnored()).as("paused").isTrue();
        assertThat(pending).isEmpty();
        // The one difference: derived from the state, the fired-and-ignored delay is still there, so an
        // executor restarted now would fire it once more, to be ignored again.
        assertThat(MACHINE.pendingTimers(state)).containsExactly(new Effect.ScheduleTimer(RUN_ID, "wait", 1, T0.plusSeconds(61)));

        run(new ResumeRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(70));
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(pending).isEmpty();
        assertThat(missed).isEmpty();
    }

    @Test
    void aFinishedRunWaitsOnNoTimer() {
        run(start(hookThenDelay(), json("{}")), T0);
        fireDue(T0.plusSeconds(15));
        fireDue(T0.plusSeconds(17));
        fireDue(T0.plusSeconds(32));
        fireDue(T0.plusSeconds(36));
        fireDue(T0.plusSeconds(51));

        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(MACHINE.pendingTimers(state)).isEmpty();
        assertThat(MACHINE.pendingTimers(null)).isEmpty();
    }
}
