package io.zaps.executor.run;

import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;
import java.util.Objects;

/** Fails a run whose command could not be carried out; see {@link RunStateMachine#abandon}. */
final class AbandonApplier {
    private final StepFlow flow;

    AbandonApplier(StepFlow flow) {
        this.flow = flow;
    }

    Decision apply(RunState state, String reason, Instant now) {
        Objects.requireNonNull(now, "now");
        if (state == null || state.run() == null || state.run().status().isFinal()) {
            return Decision.ignored(state, IgnoreReason.RUN_FINAL, "nothing to fail: " + reason);
        }
        Transition t = new Transition(state, now);
        flow.cancelPendingTimers(t);
        StepState current = t.run.currentStepId == null ? null : t.run.steps.get(t.run.currentStepId);
        if (current != null && current.status() == StepStatus.RUNNING) {
            flow.failStep(t, StepFlow.endAttempt(current, StepAttempt.Outcome.FAILED, reason, false, now), reason, null);
        } else {
            StepFlow.failRun(t, reason);
        }
        return t.decision();
    }
}
