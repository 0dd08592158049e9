package io.zaps.trigger.intake;

import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;

/** What to do with one valid trigger: start the run, or refuse it and say why. */
public sealed interface IntakeDecision {

    /** The run the trigger asked for (given, or derived from the event id); the key of every record sent for it. */
    String runId();

    /** Send {@code command} to the executor. */
    record Start(StartRun command) implements IntakeDecision {
        @Override
        public String runId() {
            return command.runId();
        }
    }

    /**
     * Dead-letter the trigger with {@code reason} and publish {@code event} (type {@code run_rejected},
     * status {@code failed}) so that a run already promised as pending ends visibly failed; when a
     * {@code call_workflow} step of another run asked for it, also tell that run ({@code toParent}).
     */
    record Reject(String runId, String reason, RunEvent event, io.zaps.contract.command.ChildRunEnded toParent) implements IntakeDecision {
        /** A rejected trigger no run waits for. */
        public Reject(String runId, String reason, RunEvent event) {
            this(runId, reason, event, null);
        }
    }
}
