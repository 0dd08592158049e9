package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;

/**
 * What a run command must carry before the state machine looks at it. A command failing these checks
 * can never become valid by waiting, so the shell dead-letters it instead of deciding on it.
 */
public final class RunCommandChecks {
    private RunCommandChecks() {}

    /** Returns {@code command}, or throws {@link MalformedRecordException} naming the problem. */
    public static RunCommand validated(RunCommand command) {
        if (command == null) {
            throw new MalformedRecordException("record has no command");
        }
        SchemaVersions.check(command.schemaVersion(), typeName(command));
        if (!Ids.isRunId(command.runId())) {
            throw new MalformedRecordException("run_id must be a lower-case UUID (was '" + command.runId() + "')");
        }
        if (command instanceof StartRun start) {
            if (start.workflow() == null) {
                throw new MalformedRecordException("start_run needs the pinned workflow");
            }
            if (start.workflow().id() == null || start.workflow().id().isBlank()) {
                throw new MalformedRecordException("start_run workflow has no id");
            }
        } else if (command instanceof CompleteStep complete) {
            requireStep(complete.stepId(), complete.attempt(), CompleteStep.TYPE);
            if (complete.outcome() == null) {
                throw new MalformedRecordException("complete_step needs an outcome (succeeded or failed)");
            }
        } else if (command instanceof FireTimer timer) {
            requireStep(timer.stepId(), timer.attempt(), FireTimer.TYPE);
        } else if (command instanceof ChildRunEnded ended) {
            requireStep(ended.stepId(), ended.attempt(), ChildRunEnded.TYPE);
            if (!Ids.isRunId(ended.childRunId()) || ended.status() == null || !ended.status().isFinal() || ended.index() < 0) {
                throw new MalformedRecordException("child_run_ended needs a child_run_id (UUID), a final status and an index of 0 or more");
            }
        } else if (command instanceof ResumeStep resume) {
            requireStep(resume.stepId(), resume.attempt(), ResumeStep.TYPE);
            if (resume.source() == null) {
                throw new MalformedRecordException("resume_step needs a source (resume_url or event)");
            }
        }
        return command;
    }

    private static void requireStep(String stepId, int attempt, String type) {
        if (stepId == null || stepId.isBlank()) {
            throw new MalformedRecordException(type + " needs a step_id");
        }
        if (attempt < 1) {
            throw new MalformedRecordException(type + " needs an attempt of 1 or more (was " + attempt + ")");
        }
    }

    static String typeName(RunCommand command) {
        if (command instanceof StartRun) {
            return StartRun.TYPE;
        }
        if (command instanceof CompleteStep) {
            return CompleteStep.TYPE;
        }
        if (command instanceof CancelRun) {
            return CancelRun.TYPE;
        }
        if (command instanceof PauseRun) {
            return PauseRun.TYPE;
        }
        if (command instanceof ResumeRun) {
            return ResumeRun.TYPE;
        }
        if (command instanceof RetryRun) {
            return RetryRun.TYPE;
        }
        if (command instanceof ChildRunEnded) {
            return ChildRunEnded.TYPE;
        }
        if (command instanceof ResumeStep) {
            return ResumeStep.TYPE;
        }
        return FireTimer.TYPE;
    }
}
