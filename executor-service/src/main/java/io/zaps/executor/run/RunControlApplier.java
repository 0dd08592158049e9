package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;

import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunControl;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Instant;
import java.util.List;

/**
 * The run control commands: {@code cancel_run}, {@code pause_run}, {@code resume_run} (which starts
 * what the pause held back) and {@code retry_run} (a failed run again from its failed step, which its kind
 * may start from what the failed attempt did: a loop re-runs only the iterations that did not complete), each
 * ignored when the run's status does not allow it.
 */
final class RunControlApplier {
    private final StepFlow flow;

    RunControlApplier(StepFlow flow) {
        this.flow = flow;
    }

    Decision cancel(RunState state, CancelRun command, Instant now) {
        String why = "cancelled" + (command.reason() == null || command.reason().isBlank() ? "" : ": " + command.reason());
        if (state == null) {
            // The cancel overtook its start_run (they travel different paths): remember it, publish nothing yet.
            SnapshotBuilder run = new SnapshotBuilder();
            run.runId = command.runId();
            run.status = RunStatus.CANCELLED;
            run.createdAt = now;
            run.completedAt = now;
            run.updatedAt = now;
            run.error = why;
            return Decision.applied(RunState.of(run.build(), null, null), List.of());
        }
        Decision ignored = checkControl(state, command, CancelRun.TYPE);
        if (ignored != null) {
            return ignored;
        }
        Transition t = new Transition(state, now);
        flow.cancelRun(t, why);
        return t.decision();
    }

    Decision pause(RunState state, PauseRun command, Instant now) {
        Decision ignored = checkControl(state, command, PauseRun.TYPE);
        if (ignored != null) {
            return ignored;
        }
        if (state.run().status() != RunStatus.RUNNING) {
            return wrongStatus(state, PauseRun.TYPE, "running");
        }
        Transition t = new Transition(state, now);
        t.run.status = RunStatus.PAUSED;
        t.commit(RunEventType.RUN_PAUSED, null);
        flow.toChildren(t, (childId, at) -> new PauseRun(SchemaVersions.CURRENT, childId, at, "its parent run " + t.run.runId + " was paused"));
        return t.decision();
    }

    Decision resume(RunState state, ResumeRun command, Instant now) {
        Decision ignored = checkControl(state, command, ResumeRun.TYPE);
        if (ignored != null) {
            return ignored;
        }
        if (state.run().status() != RunStatus.PAUSED) {
            return wrongStatus(state, ResumeRun.TYPE, "paused");
        }
        Transition t = new Transition(state, now);
        t.run.status = RunStatus.RUNNING;
        t.commit(RunEventType.RUN_RESUMED, null);
        flow.toChildren(t, (childId, at) -> new ResumeRun(SchemaVersions.CURRENT, childId, at, "its parent run " + t.run.runId + " was resumed"));
        releaseHeld(t);
        return t.decision();
    }

    /**
     * Starts what a pause held back, read from the snapshot: the next step after one that completed
     * while paused, a retry that fell due, or what the running step's kind held back (a delay whose
     * time is over). What is not due yet still has its timer, which fires as usual.
     */
    private void releaseHeld(Transition t) {
        StepState step = t.run.currentStepId == null ? null : t.run.step(t.run.currentStepId);
        if (step == null) {
            return;
        }
        if (step.status() == StepStatus.COMPLETED) {
            String next = flow.next(t, step);
            if (next == null) {
                StepFlow.completeRun(t);
            } else {
                flow.enterStep(t, next);
            }
        } else if (step.status() == StepStatus.RUNNING && step.nextAttemptAt() != null) {
            if (!t.now.isBefore(step.nextAttemptAt())) {
                flow.startAttempt(t, t.definition(step.stepId()), step.attempt() + 1);
            }
        } else if (step.status() == StepStatus.RUNNING) {
            flow.kindOf(step.type()).releaseHeld(t, step);
        }
    }

    Decision retryRun(RunState state, RetryRun command, Instant now) {
        Decision ignored = checkControl(state, command, RetryRun.TYPE);
        if (ignored != null && ignored.ignored().reason() != IgnoreReason.RUN_FINAL) {
            return ignored;
        }
        RunSnapshot run = state.run();
        if (run.status() != RunStatus.FAILED) {
            return wrongStatus(state, RetryRun.TYPE, "failed");
        }
        if (state.workflow() == null) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    RetryRun.TYPE + " for run " + run.runId() + " which was rejected before it started (" + run.error() + ")");
        }
        StepState failed = run.currentStepId() == null ? null : run.steps().get(run.currentStepId());
        if (failed == null || failed.status() != StepStatus.FAILED || state.workflow().step(failed.stepId()).isEmpty()) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    RetryRun.TYPE + " for run " + run.runId() + " which failed before any step could run (" + run.error() + ")");
        }
        Transition t = new Transition(state, now);
        t.run.status = RunStatus.RUNNING;
        t.run.completedAt = null;
        t.run.error = null;
        t.run.steps.replaceAll((id, s) -> s.status() == StepStatus.SKIPPED ? StepState.pending(s.stepId(), s.type()) : s);
        t.attemptBase.put(failed.stepId(), failed.attempt());
        t.commit(RunEventType.RUN_RETRIED, failed.stepId());
        flow.retryAttempt(t, failed);
        return t.decision();
    }

    /** Unknown and finished runs take no control command; {@code null} when the run may. */
    private static Decision checkControl(RunState state, RunControl command, String what) {
        if (state == null) {
            return Decision.ignored(null, IgnoreReason.UNKNOWN_RUN, what + " for unknown run " + command.runId());
        }
        if (state.run().status().isFinal()) {
            return Decision.ignored(state, IgnoreReason.RUN_FINAL,
                    what + " for run " + command.runId() + " which is already " + state.run().status().wireName());
        }
        return null;
    }

    private static Decision wrongStatus(RunState state, String what, String needed) {
        return Decision.ignored(state, IgnoreReason.WRONG_STATUS, what + " needs a " + needed + " run; run "
                + state.run().runId() + " is " + state.run().status().wireName());
    }
}
