package io.zaps.executor.run;

import io.zaps.contract.command.FireTimer;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;

/**
 * {@code fire_timer}: a durable timer fell due. A {@code retry} timer starts the step's next attempt,
 * whatever its kind; every other timer belongs to the step's current attempt and its {@link StepKind}
 * decides ({@code delay}: the delay is over; {@code attempt_timeout}: no result in time). A timer
 * that no longer matches the run is ignored.
 */
final class FireTimerApplier {
    private final StepFlow flow;

    FireTimerApplier(StepFlow flow) {
        this.flow = flow;
    }

    Decision apply(RunState state, FireTimer command, Instant now) {
        FireTimer.Kind kind = command.kindOrDefault();
        // A retry timer names the attempt it starts; the step's current attempt is the one before.
        int current = kind == FireTimer.Kind.RETRY ? command.attempt() - 1 : command.attempt();
        Decision ignored = AttemptChecks.current(state, command.runId(), command.stepId(), current,
                FireTimer.TYPE + " (" + kind.wireName() + ")");
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (kind == FireTimer.Kind.RETRY) {
            return retry(state, step, now);
        }
        Decision decided = flow.kindOf(step.type()).onTimer(state, step, kind, now);
        if (decided != null) {
            return decided;
        }
        String expected = kind == FireTimer.Kind.ATTEMPT_TIMEOUT ? "no attempt timeout" : "no timer";
        return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                expected + " is expected for step '" + step.stepId() + "' of type " + step.type());
    }

    private Decision retry(RunState state, StepState step, Instant now) {
        if (step.nextAttemptAt() == null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT,
                    "retry timer for step '" + step.stepId() + "' whose attempt " + step.attempt() + " has not ended");
        }
        if (now.isBefore(step.nextAttemptAt())) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "attempt " + (step.attempt() + 1) + " of step '" + step.stepId() + "' is due at " + step.nextAttemptAt() + ", not yet at " + now);
        }
        if (state.run().status() == RunStatus.PAUSED) {
            return AttemptChecks.held(state, "attempt " + (step.attempt() + 1) + " of step '" + step.stepId() + "'");
        }
        Transition t = new Transition(state, now);
        flow.startAttempt(t, t.definition(step.stepId()), step.attempt() + 1);
        return t.decision();
    }
}
