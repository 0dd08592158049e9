package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.executor.run.Decision.IgnoreReason;

import java.time.Duration;
import java.time.Instant;

/**
 * {@code complete_step}: a connector's result for one attempt. The current attempt's result
 * succeeds the step (and the run moves on), or retries or fails it; its timeout timer is cancelled.
 * A result for an attempt that already timed out is only recorded on that attempt; any other result
 * that no longer matches the run is ignored.
 */
final class CompleteStepApplier {
    private final StepFlow flow;
    private final RunLimits limits;

    CompleteStepApplier(StepFlow flow, RunLimits limits) {
        this.flow = flow;
        this.limits = limits;
    }

    Decision apply(RunState state, CompleteStep command, Instant now) {
        Decision late = lateResult(state, command, now);
        if (late != null) {
            return late;
        }
        Decision ignored = AttemptChecks.current(state, command.runId(), command.stepId(), command.attempt(), CompleteStep.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        StepKind kind = flow.kindOf(step.type());
        if (!kind.takesResults()) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "step '" + step.stepId() + "' of type " + step.type() + " is run by the executor, not by a connector");
        }
        if (step.nextAttemptAt() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT, CompleteStep.TYPE + " for attempt " + command.attempt()
                    + " of step '" + step.stepId() + "' which already ended; attempt " + (step.attempt() + 1) + " is due at " + step.nextAttemptAt());
        }
        Transition t = new Transition(state, now);
        Effect.ScheduleTimer waitedOn = kind.attemptTimer(t.run.runId, t.definition(step.stepId()), step);
        if (waitedOn != null) {
            t.effects.add(StepFlow.cancel(waitedOn));
        }
        int size = command.output() == null ? 0 : Json.toBytes(command.output()).length;
        if (size > limits.maxStepBytes()) {
            String reason = "the output is " + size + " bytes, more than the " + limits.maxStepBytes() + " a step may record";
            flow.failStep(t, StepFlow.endAttempt(step, StepAttempt.Outcome.FAILED, reason, false, now), reason, null);
        } else if (command.outcome() == CompleteStep.Outcome.SUCCEEDED) {
            flow.succeedStep(t, step, command.output());
        } else {
            String reason = command.error() == null || command.error().isBlank() ? "failed without a reason" : command.error();
            StepState ended = StepFlow.endAttempt(step, StepAttempt.Outcome.FAILED, reason, command.retryable(), now);
            flow.attemptFailed(t, ended, reason, command.output(), command.retryable(), retryAfter(command));
        }
        return t.decision();
    }

    /** The connector's {@code Retry-After} hint; none for a negative value nobody should have sent. */
    private static Duration retryAfter(CompleteStep command) {
        Long seconds = command.retryAfterSeconds();
        return seconds == null || seconds <= 0 ? null : Duration.ofSeconds(Math.min(seconds, (long) RetryPolicy.MAX_INTERVAL_LIMIT));
    }

    /**
     * A result for an attempt that timed out is recorded on that attempt (its outcome stays
     * {@code timed_out}) and changes nothing else; {@code null} when {@code command} is not such a result.
     */
    private static Decision lateResult(RunState state, CompleteStep command, Instant now) {
        if (state == null || state.run().status().isFinal()) {
            return null;
        }
        StepState step = state.run().steps().get(command.stepId());
        StepAttempt record = step == null ? null : step.attemptRecord(command.attempt()).orElse(null);
        if (record == null || record.outcome() != StepAttempt.Outcome.TIMED_OUT) {
            return null;
        }
        if (record.lateResult() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT, "a late result for timed-out attempt " + command.attempt()
                    + " of step '" + step.stepId() + "' was already recorded");
        }
        StepAttempt.Outcome outcome = command.outcome() == CompleteStep.Outcome.SUCCEEDED
                ? StepAttempt.Outcome.SUCCEEDED : StepAttempt.Outcome.FAILED;
        Transition t = new Transition(state, now);
        t.run.put(step.withAttempt(record.withLateResult(outcome, now)));
        t.commit(RunEventType.STEP_LATE_RESULT, step.stepId());
        return t.decision();
    }
}
