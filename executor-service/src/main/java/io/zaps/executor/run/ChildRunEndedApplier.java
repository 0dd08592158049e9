package io.zaps.executor.run;

import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.run.StepState;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;

/** {@code child_run_ended}: the parent's step instance that started the child records how it ended. */
final class ChildRunEndedApplier {
    private final StepFlow flow;

    ChildRunEndedApplier(StepFlow flow) {
        this.flow = flow;
    }

    Decision apply(RunState state, ChildRunEnded command, Instant now) {
        Decision ignored = AttemptChecks.current(state, command.runId(), command.stepId(), command.attempt(), ChildRunEnded.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (!(flow.kindOf(step.type()) instanceof WaitsForChildren kind)) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    ChildRunEnded.TYPE + " for step '" + step.stepId() + "' of type " + step.type() + ", which starts no child runs");
        }
        return kind.onChildEnded(state, step, command, now);
    }
}
