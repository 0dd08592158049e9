package io.zaps.executor.run;

import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.run.StepState;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;

/**
 * {@code resume_step}: a waiting {@code wait_for_event} step's resume URL was called, or an event with its key
 * arrived. The current, waiting attempt succeeds with the data ({@link WaitForEventStep#resume}); anything
 * else (a stale attempt, a finished step or run, a wrong token or key, a step of another type) is ignored.
 */
final class ResumeStepApplier {
    private final StepFlow flow;

    ResumeStepApplier(StepFlow flow) {
        this.flow = flow;
    }

    Decision apply(RunState state, ResumeStep command, Instant now) {
        Decision ignored = AttemptChecks.current(state, command.runId(), command.stepId(), command.attempt(), ResumeStep.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (!(flow.kindOf(step.type()) instanceof WaitForEventStep wait)) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "step '" + step.stepId() + "' of type " + step.type() + " does not wait for events");
        }
        return wait.resume(state, step, command, now);
    }
}
