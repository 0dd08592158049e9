package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.step.StepTypes;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/** An attempt without a timeout of its own waits as long as its step type's default, not the webhook's 30 s. */
class StepTimeoutScenarioTest {
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover(), GRACE);
    private static final String REF = "sha256:" + "ab".repeat(32);

    private static Decision startExtract(String configJson) {
        Decision decision = MACHINE.decide(null, start(workflow("invoices", "extract",
                step("extract", "pdf_extract", configJson, null)), Fixtures.json("{}")), T0);
        assertThat(decision.wasIgnored()).isFalse();
        return decision;
    }

    private static ExecuteStep dispatched(Decision decision) {
        return decision.effects().stream().filter(Effect.DispatchStep.class::isInstance)
                .map(e -> ((Effect.DispatchStep) e).request()).findFirst().orElseThrow();
    }

    private static FireTimer timeout(Instant dueAt) {
        return new FireTimer(SchemaVersions.CURRENT, RUN_ID, "extract", 1, dueAt, FireTimer.Kind.ATTEMPT_TIMEOUT);
    }

    @Test
    void aPdfExtractAttemptTimesOutAfterSixtySecondsAndTheGrace() {
        Decision start = startExtract("{\"ref\": \"" + REF + "\", \"fields\": [\"Amount\"]}");
        RunState state = stored(start.state());
        Instant deadline = T0.plusSeconds(60).plus(GRACE);

        assertThat(dispatched(start).deadline()).isEqualTo(deadline);
        assertThat(start.effects()).contains(new Effect.ScheduleTimer(RUN_ID, "extract", 1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT));
        assertThat(MACHINE.pendingTimers(state)).containsExactly(
                new Effect.ScheduleTimer(RUN_ID, "extract", 1, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT));

        // Where the webhook's default would have ended it, the attempt is still waited for.
        Decision early = MACHINE.decide(state, timeout(T0.plusSeconds(35)), T0.plusSeconds(35));
        assertThat(early.wasIgnored()).isTrue();
        assertThat(early.ignored().reason()).isEqualTo(IgnoreReason.NOT_DUE);
        assertThat(MACHINE.decide(state, timeout(deadline), deadline.minusMillis(1)).ignored().reason()).isEqualTo(IgnoreReason.NOT_DUE);

        Decision timedOut = MACHINE.decide(state, timeout(deadline), deadline);
        assertThat(timedOut.events().stream().map(RunEvent::type))
                .containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        StepState extract = timedOut.state().run().steps().get("extract");
        assertThat(extract.attempts()).singleElement().satisfies(attempt -> {
            assertThat(attempt.outcome()).isEqualTo(StepAttempt.Outcome.TIMED_OUT);
            assertThat(attempt.error()).isEqualTo("no result within 60 s");
            assertThat(attempt.endTime()).isEqualTo(deadline);
        });
        assertThat(timedOut.state().run().status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void theConfigsOwnTimeoutStillWinsOverTheTypesDefault() {
        RunState state = stored(startExtract("{\"ref\": \"" + REF + "\", \"fields\": [\"Amount\"], \"timeout_seconds\": 20}").state());
        assertThat(MACHINE.pendingTimers(state)).containsExactly(
                new Effect.ScheduleTimer(RUN_ID, "extract", 1, T0.plusSeconds(25), FireTimer.Kind.ATTEMPT_TIMEOUT));
    }
}
