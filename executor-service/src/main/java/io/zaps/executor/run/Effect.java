package io.zaps.executor.run;

import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.TriggerRequested;

import java.time.Instant;

/**
 * Something the shell must do after a decision, in list order, together with storing the new
 * state: with exactly-once processing the state, the timers and the produced records are committed
 * as one.
 */
public sealed interface Effect permits Effect.DispatchStep, Effect.ScheduleTimer, Effect.CancelTimer, Effect.PublishEvent,
        Effect.RequestTrigger, Effect.DeadLetter, Effect.SendCommand,
        SubscriptionEffect {

    /** Send {@code request} to the connector of its step type ({@link io.zaps.contract.Topics#stepRequests}). */
    record DispatchStep(ExecuteStep request) implements Effect {
    }

    /**
     * Keep a durable timer; when {@code dueAt} has passed the shell feeds a
     * {@link io.zaps.contract.command.FireTimer} with the same run, step, attempt and kind back into the
     * machine. The machine cancels the timers it knows are moot ({@link CancelTimer}); one it does not
     * (or whose cancel missed) still fires and is ignored, because it no longer matches the run.
     */
    record ScheduleTimer(String runId, String stepId, int attempt, Instant dueAt, FireTimer.Kind kind) implements Effect {
        public ScheduleTimer {
            kind = kind == null ? FireTimer.Kind.DELAY : kind;
        }

        /** A delay timer. */
        public ScheduleTimer(String runId, String stepId, int attempt, Instant dueAt) {
            this(runId, stepId, attempt, dueAt, FireTimer.Kind.DELAY);
        }
    }

    /**
     * Drop the timer scheduled with exactly these fields, if it is still there: an attempt's timeout
     * once its result arrived, and whatever a cancelled run was waiting for. Only an optimisation
     * (fewer timer records, no pointless firing): a timer left behind is ignored when it fires.
     */
    record CancelTimer(String runId, String stepId, int attempt, Instant dueAt, FireTimer.Kind kind) implements Effect {
        public CancelTimer {
            kind = kind == null ? FireTimer.Kind.DELAY : kind;
        }
    }

    /** Publish {@code event} on {@link io.zaps.contract.Topics#RUN_EVENTS}. */
    record PublishEvent(RunEvent event) implements Effect {
    }

    /**
     * Ask for a run of another workflow: publish {@code trigger} on {@link io.zaps.contract.Topics#TRIGGERS} (an
     * error workflow), or on {@link io.zaps.contract.Topics#CALL_TRIGGERS} when it names a parent (a
     * {@code call_workflow} step's run; the trigger service takes a parent from there only), keyed by the run id its {@code event_id} derives ({@link io.zaps.contract.Ids#runIdForEvent}),
     * where the trigger service starts it like any other trigger (and, the id being derived, only once).
     */
    record RequestTrigger(TriggerRequested trigger) implements Effect {
    }

    /**
     * Put the command being decided on the dead-letter topic with {@code reason}, for an operator to see
     * (a refused start_run): the decision's other effects still apply.
     */
    record DeadLetter(String reason) implements Effect {
    }

    /**
     * Send {@code command} to its run on {@link io.zaps.contract.Topics#RUN_COMMANDS} (keyed by its run id): a
     * child run's start or cancel, or a parent's {@code child_run_ended}. Produced in the same transaction as
     * the decision, so a child starts exactly once per decision however often the decision is replayed.
     */
    record SendCommand(io.zaps.contract.command.RunCommand command) implements Effect {
    }
}
