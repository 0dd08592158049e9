package io.zaps.executor.run;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.executor.run.Decision.IgnoreReason;

/** Whether a step result or a timer still matters to the run: the checks every applier of one makes first. */
final class AttemptChecks {
    private AttemptChecks() {}

    /**
     * {@code null} when {@code attempt} is the current attempt of step {@code stepId}, running in a
     * run that is not final; else the ignored decision saying why {@code what} does not fit.
     */
    static Decision current(RunState state, String runId, String stepId, int attempt, String what) {
        if (state == null) {
            return Decision.ignored(null, IgnoreReason.UNKNOWN_RUN, what + " for unknown run " + runId);
        }
        RunSnapshot run = state.run();
        if (run.status().isFinal()) {
            return Decision.ignored(state, IgnoreReason.RUN_FINAL,
                    what + " for step '" + stepId + "' of run " + runId + " which is already " + run.status().wireName());
        }
        StepState step = run.steps().get(stepId);
        if (step == null) {
            return Decision.ignored(state, IgnoreReason.UNKNOWN_STEP, what + " for step '" + stepId + "' which run " + runId + " does not have");
        }
        if (step.status() != StepStatus.RUNNING) {
            return Decision.ignored(state, IgnoreReason.STEP_NOT_RUNNING,
                    what + " for step '" + stepId + "' which is " + step.status().wireName() + ", not running");
        }
        if (step.attempt() != attempt) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT,
                    what + " for attempt " + attempt + " of step '" + stepId + "' whose current attempt is " + step.attempt());
        }
        return null;
    }

    /** {@code what} fell due while the run is paused: nothing now, {@code resume_run} starts it. */
    static Decision held(RunState state, String what) {
        return Decision.ignored(state, IgnoreReason.PAUSED, what + " fell due while run " + state.run().runId()
                + " is paused; it starts on resume");
    }
}
