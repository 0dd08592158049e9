package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunControl;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.DelaySpec;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WebhookSpec;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.OnFailure;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The run state machine: a pure function from (the run's state, one command, the time) to the next
 * state and the effects to carry out. No I/O, no clock, no randomness: the same input always gives
 * the same decision, which is what lets the Kafka Streams shell replay and the tests drive it directly.
 *
 * <p>Every change bumps the snapshot's revision by one, stamps {@code updated_at} and publishes one
 * {@link RunEvent} with the full snapshot; one command may make several changes (a step succeeds, the
 * next one starts). A command that does not fit the run (duplicate, late, stale) changes nothing and
 * says why.
 *
 * <p>Retries and timeouts: every attempt of an external step also schedules an
 * {@code attempt_timeout} timer at its deadline. A retryable failure or a timeout with attempts
 * left (the step's {@link RetryPolicy}, else the workflow's) records the attempt, keeps the step
 * {@code running} with {@code next_attempt_at} set and schedules a {@code retry} timer after the
 * {@link Backoff} (at least the connector's {@code Retry-After} hint, never more than the policy's
 * {@code max_interval}); that timer starts the next attempt (new idempotency key). When an
 * attempt's result arrives its timeout timer is cancelled, and a cancelled run cancels whatever timer
 * it was waiting on; a timer that still fires without matching the step's current attempt is ignored.
 *
 * <p>Run control: {@code cancel_run} ends a pending, running or paused run as {@code cancelled} (a
 * cancel that arrives before the run's {@code start_run} is remembered, and the run is created
 * cancelled). {@code pause_run} holds back every new step and attempt; results of attempts in flight
 * and attempt timeouts are still recorded (so a paused run can still fail or complete), and a delay or
 * retry that falls due meanwhile is ignored when its timer fires and started by {@code resume_run},
 * which finds it from the snapshot. {@code retry_run} runs a failed run again from its failed step,
 * attempt numbers going on. A control command the run's status does not allow is ignored.
 *
 * <p>Error workflows: when a run ends {@code failed} and its pinned workflow names an
 * {@code on_failure} workflow, the same decision asks for a run of it ({@link Effect.RequestTrigger},
 * source {@value #ON_FAILURE_SOURCE}) with the failed run's id, workflow, version, step and error as
 * context. Its event id {@code on_failure:<run id>:<n>} counts the run's failures, so a retried run
 * that fails again starts a new error run while a replay never starts a second one. A run started
 * that way never starts another error workflow.
 */
public final class RunStateMachine {
    /** The trigger source of an error workflow's run; such a run starts no error workflow itself. */
    public static final String ON_FAILURE_SOURCE = "on_failure";

    /** Added to a step's own timeout to give the connector time to report back. */
    public static final Duration DEFAULT_DEADLINE_GRACE = Duration.ofSeconds(5);

    private final StepTypes stepTypes;
    private final WorkflowValidator validator;
    private final Duration deadlineGrace;
    private final Backoff.Jitter jitter;
    private final RunLimits limits;

    public RunStateMachine(StepTypes stepTypes) {
        this(stepTypes, DEFAULT_DEADLINE_GRACE);
    }

    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace) {
        this(stepTypes, deadlineGrace, Backoff.Jitter.hashed(), RunLimits.DEFAULT);
    }

    /** @param jitter where the jitter fraction of a retry's wait comes from (tests fix it) */
    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter) {
        this(stepTypes, deadlineGrace, jitter, RunLimits.DEFAULT);
    }

    /** @param limits how large a step's config or output and a run's state may be */
    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter, RunLimits limits) {
        this.stepTypes = Objects.requireNonNull(stepTypes, "stepTypes");
        this.validator = new WorkflowValidator(stepTypes);
        this.deadlineGrace = Objects.requireNonNull(deadlineGrace, "deadlineGrace");
        this.jitter = Objects.requireNonNull(jitter, "jitter");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public RunLimits limits() {
        return limits;
    }

    /**
     * Decides what {@code command} does to the run.
     *
     * @param state   the run's current state, or {@code null} when the run is unknown
     * @param command a command already checked by {@link RunCommandChecks}
     * @param now     the time of the decision (from the shell's clock)
     */
    public Decision decide(RunState state, RunCommand command, Instant now) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(now, "now");
        if (command instanceof StartRun start) {
            return start(state, start, now);
        }
        if (command instanceof CompleteStep complete) {
            return complete(state, complete, now);
        }
        if (command instanceof FireTimer timer) {
            return fire(state, timer, now);
        }
        if (command instanceof CancelRun cancel) {
            return cancel(state, cancel, now);
        }
        if (command instanceof PauseRun pause) {
            return pause(state, pause, now);
        }
        if (command instanceof ResumeRun resume) {
            return resume(state, resume, now);
        }
        if (command instanceof RetryRun retry) {
            return retryRun(state, retry, now);
        }
        throw new IllegalArgumentException("unknown command type " + command.getClass().getName());
    }

    // ---- commands ----------------------------------------------------------------------------------

    private Decision start(RunState state, StartRun command, Instant now) {
        if (state != null && state.cancelledBeforeStart() && command.workflow() != null) {
            return startCancelled(state, command, now);
        }
        if (state != null) {
            return Decision.ignored(state, IgnoreReason.DUPLICATE_START, "run " + command.runId()
                    + " already exists (status " + state.run().status().wireName() + ", revision " + state.run().revision() + ")");
        }
        WorkflowDefinition workflow = command.workflow();
        if (workflow == null) {
            return Decision.ignored(null, IgnoreReason.NOT_APPLICABLE, "start_run for " + command.runId() + " carries no workflow");
        }
        // Whoever produced the command, the executor runs only what the gateway would have saved.
        List<Violation> violations = validator.validate(workflow);
        if (!violations.isEmpty()) {
            return reject(command, now, "workflow '" + workflow.id() + "' (version " + workflow.version() + ") is not valid: "
                    + Violation.summary(violations), true);
        }
        SnapshotBuilder run = initialRun(command, now);
        Transition t = new Transition(workflow, command.eventId(), command.source(), run, now);
        t.commit(RunEventType.RUN_STARTED, null);
        enterStep(t, workflow.entryPoint());
        return t.decision();
    }

    /**
     * A run that never starts: it is stored failed with {@code reason} (so a redelivered start_run is a
     * duplicate), without the refused workflow, one {@code run_rejected} event is published, and the
     * command is dead-lettered with the reason.
     *
     * @param keepContext false when the context itself is the problem (too large to record)
     */
    public Decision reject(StartRun command, Instant now, String reason, boolean keepContext) {
        SnapshotBuilder run = new SnapshotBuilder();
        run.runId = command.runId();
        run.workflowId = command.workflow() == null ? null : command.workflow().id();
        run.workflowVersion = command.workflow() == null ? null : command.workflow().version();
        run.status = RunStatus.FAILED;
        run.createdAt = command.requestedAt() == null ? now : command.requestedAt();
        run.context = keepContext && command.context() != null ? command.context() : Json.object();
        run.completedAt = now;
        run.error = reason;
        Transition t = new Transition(null, command.eventId(), command.source(), run, now);
        t.commit(RunEventType.RUN_REJECTED, null);
        t.effects.add(new Effect.DeadLetter(reason));
        return t.decision();
    }

    /**
     * The run fails with {@code reason} because its command could not be carried out (it threw, or its
     * result would not fit a record): the running step, if any, fails with the reason, the timers it
     * waited on are cancelled and the run's error workflow is asked for. Nothing for an unknown or
     * finished run.
     */
    public Decision abandon(RunState state, String reason, Instant now) {
        Objects.requireNonNull(now, "now");
        if (state == null || state.run() == null || state.run().status().isFinal()) {
            return Decision.ignored(state, IgnoreReason.RUN_FINAL, "nothing to fail: " + reason);
        }
        Transition t = new Transition(state, now);
        cancelPendingTimers(t);
        StepState current = t.run.currentStepId == null ? null : t.run.steps.get(t.run.currentStepId);
        if (current != null && current.status() == StepStatus.RUNNING) {
            failStep(t, endAttempt(current, StepAttempt.Outcome.FAILED, reason, false, now), reason, null);
        } else {
            failRun(t, reason);
        }
        return t.decision();
    }

    /** The cancel came first: the run is created with the pinned workflow, and ends there. */
    private Decision startCancelled(RunState tombstone, StartRun command, Instant now) {
        SnapshotBuilder run = initialRun(command, now);
        run.revision = tombstone.run().revision();
        Transition t = new Transition(command.workflow(), command.eventId(), command.source(), run, now);
        cancelRun(t, tombstone.run().error());
        return t.decision();
    }

    private static SnapshotBuilder initialRun(StartRun command, Instant now) {
        WorkflowDefinition workflow = command.workflow();
        SnapshotBuilder run = new SnapshotBuilder();
        run.runId = command.runId();
        run.workflowId = workflow.id();
        run.workflowVersion = workflow.version();
        run.status = RunStatus.RUNNING;
        run.createdAt = command.requestedAt() == null ? now : command.requestedAt();
        run.startedAt = now;
        run.context = command.context() == null ? Json.object() : command.context();
        if (workflow.steps() != null) {
            for (StepDefinition step : workflow.steps()) {
                if (step != null && step.id() != null) {
                    run.steps.putIfAbsent(step.id(), StepState.pending(step.id(), step.type()));
                }
            }
        }
        run.revision = 0;
        return run;
    }

    // ---- run control -------------------------------------------------------------------------------

    private Decision cancel(RunState state, CancelRun command, Instant now) {
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
        cancelRun(t, why);
        return t.decision();
    }

    private static Decision pause(RunState state, PauseRun command, Instant now) {
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
        return t.decision();
    }

    private Decision resume(RunState state, ResumeRun command, Instant now) {
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
        releaseHeld(t);
        return t.decision();
    }

    /**
     * Starts what a pause held back, read from the snapshot: the next step after one that completed
     * while paused, a retry that fell due, a delay whose time is over. What is not due yet still has
     * its timer, which fires as usual.
     */
    private void releaseHeld(Transition t) {
        StepState step = t.run.currentStepId == null ? null : t.run.step(t.run.currentStepId);
        if (step == null) {
            return;
        }
        if (step.status() == StepStatus.COMPLETED) {
            String next = t.definition(step.stepId()).nextStepId();
            if (next == null) {
                completeRun(t);
            } else {
                enterStep(t, next);
            }
        } else if (step.status() == StepStatus.RUNNING && step.nextAttemptAt() != null) {
            if (!t.now.isBefore(step.nextAttemptAt())) {
                startAttempt(t, t.definition(step.stepId()), step.attempt() + 1);
            }
        } else if (step.status() == StepStatus.RUNNING && DelaySpec.TYPE.equals(step.type())) {
            Instant due = step.startTime().plusSeconds(delaySeconds(step.input()));
            if (!t.now.isBefore(due)) {
                succeedStep(t, step, delayOutput(step, due, t.now));
            }
        }
    }

    private Decision retryRun(RunState state, RetryRun command, Instant now) {
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
        startAttempt(t, t.definition(failed.stepId()), failed.attempt() + 1);
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

    private Decision complete(RunState state, CompleteStep command, Instant now) {
        Decision late = lateResult(state, command, now);
        if (late != null) {
            return late;
        }
        Decision ignored = checkCurrentAttempt(state, command.runId(), command.stepId(), command.attempt(), CompleteStep.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (!stepTypes.isExternal(step.type())) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "step '" + step.stepId() + "' of type " + step.type() + " is run by the executor, not by a connector");
        }
        if (step.nextAttemptAt() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT, CompleteStep.TYPE + " for attempt " + command.attempt()
                    + " of step '" + step.stepId() + "' which already ended; attempt " + (step.attempt() + 1) + " is due at " + step.nextAttemptAt());
        }
        Transition t = new Transition(state, now);
        t.effects.add(new Effect.CancelTimer(t.run.runId, step.stepId(), step.attempt(),
                attemptDeadline(t.definition(step.stepId()), step), FireTimer.Kind.ATTEMPT_TIMEOUT));
        int size = command.output() == null ? 0 : Json.toBytes(command.output()).length;
        if (size > limits.maxStepBytes()) {
            String reason = "the output is " + size + " bytes, more than the " + limits.maxStepBytes() + " a step may record";
            failStep(t, endAttempt(step, StepAttempt.Outcome.FAILED, reason, false, now), reason, null);
        } else if (command.outcome() == CompleteStep.Outcome.SUCCEEDED) {
            succeedStep(t, step, command.output());
        } else {
            String reason = command.error() == null || command.error().isBlank() ? "failed without a reason" : command.error();
            StepState ended = endAttempt(step, StepAttempt.Outcome.FAILED, reason, command.retryable(), now);
            attemptFailed(t, ended, reason, command.output(), command.retryable(), retryAfter(command));
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

    private Decision fire(RunState state, FireTimer command, Instant now) {
        FireTimer.Kind kind = command.kindOrDefault();
        // A retry timer names the attempt it starts; the step's current attempt is the one before.
        int current = kind == FireTimer.Kind.RETRY ? command.attempt() - 1 : command.attempt();
        Decision ignored = checkCurrentAttempt(state, command.runId(), command.stepId(), current, FireTimer.TYPE + " (" + kind.wireName() + ")");
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (kind == FireTimer.Kind.RETRY) {
            return retry(state, step, now);
        }
        if (kind == FireTimer.Kind.ATTEMPT_TIMEOUT) {
            return timeOut(state, step, now);
        }
        if (!DelaySpec.TYPE.equals(step.type())) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "no timer is expected for step '" + step.stepId() + "' of type " + step.type());
        }
        long seconds = delaySeconds(step.input());
        Instant due = step.startTime().plusSeconds(seconds);
        if (now.isBefore(due)) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "the delay of step '" + step.stepId() + "' is due at " + due + ", not yet at " + now);
        }
        if (state.run().status() == RunStatus.PAUSED) {
            return held(state, "the delay of step '" + step.stepId() + "'");
        }
        Transition t = new Transition(state, now);
        succeedStep(t, step, delayOutput(step, due, now));
        return t.decision();
    }

    private static ObjectNode delayOutput(StepState step, Instant due, Instant now) {
        ObjectNode output = Json.object();
        // An int (a delay is at most a year) so the output equals its own JSON round trip.
        output.put("delayed_seconds", Math.toIntExact(delaySeconds(step.input())));
        output.put("due_at", due.toString());
        output.put("fired_at", now.toString());
        return output;
    }

    private static Decision held(RunState state, String what) {
        return Decision.ignored(state, IgnoreReason.PAUSED, what + " fell due while run " + state.run().runId()
                + " is paused; it starts on resume");
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
            return held(state, "attempt " + (step.attempt() + 1) + " of step '" + step.stepId() + "'");
        }
        Transition t = new Transition(state, now);
        startAttempt(t, t.definition(step.stepId()), step.attempt() + 1);
        return t.decision();
    }

    private Decision timeOut(RunState state, StepState step, Instant now) {
        if (!stepTypes.isExternal(step.type())) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "no attempt timeout is expected for step '" + step.stepId() + "' of type " + step.type());
        }
        if (step.nextAttemptAt() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT,
                    "attempt " + step.attempt() + " of step '" + step.stepId() + "' already ended");
        }
        Transition t = new Transition(state, now);
        long timeout = timeoutSeconds(t.definition(step.stepId()), step.input());
        Instant deadline = attemptDeadline(t.definition(step.stepId()), step);
        if (now.isBefore(deadline)) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "attempt " + step.attempt() + " of step '" + step.stepId() + "' times out at " + deadline + ", not yet at " + now);
        }
        String reason = "no result within " + timeout + " s";
        StepState timedOut = endAttempt(step, StepAttempt.Outcome.TIMED_OUT, reason, true, now);
        t.run.put(new StepState(timedOut.stepId(), timedOut.type(), timedOut.status(), timedOut.attempt(), timedOut.input(),
                timedOut.startTime(), timedOut.endTime(), reason, null, timedOut.attempts(), null));
        t.commit(RunEventType.STEP_TIMED_OUT, step.stepId());
        attemptFailed(t, t.run.step(step.stepId()), reason, null, true, null);
        return t.decision();
    }

    /** The common "does this result or timer still matter" checks; {@code null} when it does. */
    private static Decision checkCurrentAttempt(RunState state, String runId, String stepId, int attempt, String what) {
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

    // ---- transitions -------------------------------------------------------------------------------

    private void enterStep(Transition t, String stepId) {
        StepState step = t.run.step(stepId);
        startAttempt(t, t.definition(stepId), step.attempt() + 1);
    }

    private void startAttempt(Transition t, StepDefinition definition, int attempt) {
        t.run.currentStepId = definition.id();
        ObjectNode config = definition.config() == null ? Json.object() : definition.config();
        if (stepTypes.isExternal(definition.type())) {
            startExternal(t, definition, attempt, config);
        } else if (DelaySpec.TYPE.equals(definition.type())) {
            startDelay(t, definition, attempt, config);
        } else {
            String known = stepTypes.find(definition.type()).map(StepSpec::type).orElse(definition.type());
            failAtStart(t, definition, attempt, config, "step type '" + known + "' is not run by a connector and this executor cannot run it");
        }
    }

    private void startDelay(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        JsonNode seconds = config.get("seconds");
        if (seconds == null || !seconds.isIntegralNumber() || !seconds.canConvertToLong()
                || seconds.longValue() < 1 || seconds.longValue() > DelaySpec.MAX_SECONDS) {
            failAtStart(t, definition, attempt, config, "config.seconds must be an integer from 1 to " + DelaySpec.MAX_SECONDS);
            return;
        }
        t.run.put(t.run.step(definition.id()).running(attempt, config, t.now).withAttempt(StepAttempt.started(attempt, t.now)));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        t.effects.add(new Effect.ScheduleTimer(t.run.runId, definition.id(), attempt, t.now.plusSeconds(seconds.longValue())));
    }

    private void startExternal(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        ObjectNode rendered;
        try {
            rendered = (ObjectNode) Templates.render(config, TemplateData.of(t.run), "config");
        } catch (TemplateException e) {
            failAtStart(t, definition, attempt, null, "cannot render " + e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            // The template engine is a third-party library: whatever it throws is this step's failure, not the executor's.
            failAtStart(t, definition, attempt, null, "cannot render config: " + e);
            return;
        }
        int size = Json.toBytes(rendered).length;
        if (size > limits.maxStepBytes()) {
            failAtStart(t, definition, attempt, null, "the rendered config is " + size + " bytes, more than the "
                    + limits.maxStepBytes() + " a step may send");
            return;
        }
        // The snapshot records what the step ran with, secrets hidden; only the connector gets the real values.
        ObjectNode shown = stepTypes.find(definition.type()).map(spec -> spec.redact(rendered)).orElse(rendered);
        t.run.put(t.run.step(definition.id()).running(attempt, shown, t.now).withAttempt(StepAttempt.started(attempt, t.now)));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        // From the recorded step (its start and shown input), exactly as the timeout and its cancel compute it.
        Instant deadline = attemptDeadline(definition, t.run.step(definition.id()));
        String runId = t.run.runId;
        t.effects.add(new Effect.DispatchStep(new ExecuteStep(SchemaVersions.CURRENT, runId, t.run.workflowId,
                definition.id(), definition.type(), attempt, Ids.idempotencyKey(runId, definition.id(), attempt),
                rendered, t.now, deadline)));
        // Cancelled when the attempt's result arrives; if that cancel misses, the timer finds an ended attempt and is ignored.
        t.effects.add(new Effect.ScheduleTimer(runId, definition.id(), attempt, deadline, FireTimer.Kind.ATTEMPT_TIMEOUT));
    }

    /** A step that could not even start (bad config, template error): it fails at once, and so does the run. */
    private void failAtStart(Transition t, StepDefinition definition, int attempt, JsonNode input, String reason) {
        StepState started = t.run.step(definition.id()).running(attempt, input, t.now);
        failStep(t, endAttempt(started, StepAttempt.Outcome.FAILED, reason, false, t.now), reason, null);
    }

    private void succeedStep(Transition t, StepState step, JsonNode output) {
        t.run.put(endAttempt(step, StepAttempt.Outcome.SUCCEEDED, null, null, t.now).completed(output, t.now));
        t.commit(RunEventType.STEP_SUCCEEDED, step.stepId());
        String next = t.definition(step.stepId()).nextStepId();
        if (next == null) {
            completeRun(t);
        } else if (t.run.status != RunStatus.PAUSED) {
            enterStep(t, next);
        }
        // Paused: the next step waits for resume_run, which finds the completed current step.
    }

    /**
     * The current attempt of an external step ended without success ({@code step} already records
     * how): schedule the next attempt if the failure is retryable and the step's retry policy has
     * attempts left, else fail the step and the run.
     */
    private void attemptFailed(Transition t, StepState step, String reason, JsonNode output, boolean retryable, Duration retryAfter) {
        StepDefinition definition = t.definition(step.stepId());
        RetryPolicy policy = t.workflow.retryFor(definition);
        int maxAttempts = Backoff.maxAttempts(policy);
        int attempt = step.attempt();
        // After a retry_run the policy's budget counts again; attempt numbers (and keys) go on.
        int counted = attempt - t.attemptBase.getOrDefault(step.stepId(), 0);
        if (retryable && counted < maxAttempts) {
            Duration wait = Backoff.delay(policy, counted, jitter.fraction(t.run.runId, step.stepId(), attempt), retryAfter);
            Instant due = t.now.plus(wait);
            t.run.put(step.retryAt(due, reason, output));
            t.commit(RunEventType.STEP_RETRY_SCHEDULED, step.stepId());
            t.effects.add(new Effect.ScheduleTimer(t.run.runId, step.stepId(), attempt + 1, due, FireTimer.Kind.RETRY));
            return;
        }
        String why = reason;
        if (maxAttempts > 1) {
            why = "attempt " + counted + " of " + maxAttempts + ": " + reason
                    + (retryable ? " (no attempts left)" : " (permanent failure, not retried)");
        }
        failStep(t, step, why, output);
    }

    /** {@code step} with its current attempt's record ended as {@code outcome}, unless it already ended. */
    private static StepState endAttempt(StepState step, StepAttempt.Outcome outcome, String error, Boolean retryable, Instant now) {
        StepAttempt record = step.attemptRecord(step.attempt()).orElse(StepAttempt.started(step.attempt(), step.startTime()));
        if (record.outcome() != null) {
            return step;
        }
        return step.withAttempt(record.ended(outcome, error, retryable, now));
    }

    private void failStep(Transition t, StepState step, String reason, JsonNode output) {
        t.run.put(step.failed(reason, output, t.now));
        t.run.currentStepId = step.stepId();
        t.commit(RunEventType.STEP_FAILED, step.stepId());
        failRun(t, "step '" + step.stepId() + "' failed: " + reason);
    }

    private static void completeRun(Transition t) {
        t.run.status = RunStatus.COMPLETED;
        t.run.completedAt = t.now;
        t.run.currentStepId = null;
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_COMPLETED, null);
    }

    private void cancelRun(Transition t, String reason) {
        cancelPendingTimers(t);
        t.run.status = RunStatus.CANCELLED;
        t.run.completedAt = t.now;
        t.run.error = reason;
        // A step in flight ends skipped and its open attempt ends cancelled; a result for it is ignored (the run is final).
        t.run.steps.replaceAll((id, s) -> {
            if (s.status() != StepStatus.RUNNING) {
                return s;
            }
            StepState closed = s.attemptRecord(s.attempt()).filter(a -> a.outcome() == null)
                    .map(a -> s.withAttempt(a.ended(StepAttempt.Outcome.CANCELLED, "run cancelled", false, t.now)))
                    .orElse(s);
            return new StepState(s.stepId(), s.type(), StepStatus.SKIPPED, s.attempt(), s.input(), s.startTime(), t.now,
                    "run cancelled while the step was running", s.output(), closed.attempts(), null);
        });
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_CANCELLED, null);
    }

    /** The timer the running step of a run being cancelled waits on: its delay, its next attempt or its attempt's timeout. */
    private void cancelPendingTimers(Transition t) {
        for (Effect.ScheduleTimer timer : timersOf(t.run.runId, t.run.steps.values(), t.workflow)) {
            t.effects.add(new Effect.CancelTimer(timer.runId(), timer.stepId(), timer.attempt(), timer.dueAt(), timer.kind()));
        }
    }

    /**
     * The timers {@code state} waits on, exactly as the decisions that led to it scheduled them and did
     * not cancel them: for each running step its next attempt ({@code retry}), else the current attempt's
     * deadline ({@code attempt_timeout}, external steps), else its end ({@code delay}). None for a
     * finished run.
     *
     * <p>Timers are a function of the run's state, so the shell need not store them: it rebuilds its
     * timer index from the live runs when a task starts (a restart, a partition moving to another
     * instance) and keeps it up to date from each decision's {@link Effect.ScheduleTimer} and
     * {@link Effect.CancelTimer} effects, which always leave it equal to this (tested). The only
     * difference: a timer that fired and was ignored (a delay that fell due while the run was paused)
     * is derived again, so after a restart it fires once more and is ignored again.
     */
    public List<Effect.ScheduleTimer> pendingTimers(RunState state) {
        if (state == null || state.run() == null || state.run().status().isFinal()) {
            return List.of();
        }
        return timersOf(state.run().runId(), state.run().steps().values(), state.workflow());
    }

    private List<Effect.ScheduleTimer> timersOf(String runId, Collection<StepState> steps, WorkflowDefinition workflow) {
        List<Effect.ScheduleTimer> timers = new ArrayList<>();
        for (StepState step : steps) {
            if (step.status() != StepStatus.RUNNING || step.startTime() == null || workflow == null
                    || workflow.step(step.stepId()).isEmpty()) {
                continue;
            }
            if (step.nextAttemptAt() != null) {
                timers.add(new Effect.ScheduleTimer(runId, step.stepId(), step.attempt() + 1, step.nextAttemptAt(), FireTimer.Kind.RETRY));
            } else if (stepTypes.isExternal(step.type())) {
                timers.add(new Effect.ScheduleTimer(runId, step.stepId(), step.attempt(),
                        attemptDeadline(workflow.step(step.stepId()).get(), step), FireTimer.Kind.ATTEMPT_TIMEOUT));
            } else if (DelaySpec.TYPE.equals(step.type())) {
                timers.add(new Effect.ScheduleTimer(runId, step.stepId(), step.attempt(),
                        step.startTime().plusSeconds(delaySeconds(step.input())), FireTimer.Kind.DELAY));
            }
        }
        return timers;
    }

    private static void failRun(Transition t, String reason) {
        t.run.status = RunStatus.FAILED;
        t.run.completedAt = t.now;
        t.run.error = reason;
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_FAILED, null);
        t.failures++;
        startErrorWorkflow(t);
    }

    /** The pinned workflow's {@code on_failure}, asked for once per failure of the run; never from an error run. */
    private static void startErrorWorkflow(Transition t) {
        OnFailure onFailure = t.workflow == null ? null : t.workflow.onFailure();
        if (onFailure == null || !Ids.isSafe(onFailure.workflowId()) || onFailure.workflowId().equals(t.run.workflowId)
                || t.startedByErrorHandler()) {
            return;
        }
        ObjectNode context = Json.object();
        context.put("failed_run_id", t.run.runId);
        context.put("workflow_id", t.run.workflowId);
        if (t.run.workflowVersion == null) {
            context.putNull("workflow_version");
        } else {
            context.put("workflow_version", t.run.workflowVersion.intValue());
        }
        context.put("step_id", t.run.currentStepId);
        context.put("error", t.run.error);
        String eventId = ON_FAILURE_SOURCE + ":" + t.run.runId + ":" + t.failures;
        t.effects.add(new Effect.RequestTrigger(
                TriggerRequested.of(eventId, null, onFailure.workflowId(), context, ON_FAILURE_SOURCE, t.now)));
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static long delaySeconds(JsonNode input) {
        JsonNode seconds = input == null ? null : input.get("seconds");
        return seconds != null && seconds.canConvertToLong() ? seconds.longValue() : 0;
    }

    /**
     * When the executor stops waiting for the current attempt of external {@code step}: the same
     * instant {@link #startExternal} scheduled its {@code attempt_timeout} timer at (the attempt's
     * start is the decision time it was scheduled at, its input the rendered config).
     */
    private Instant attemptDeadline(StepDefinition definition, StepState step) {
        return step.startTime().plusSeconds(timeoutSeconds(definition, step.input())).plus(deadlineGrace);
    }

    /**
     * How long one attempt may take: the step's {@code timeout_seconds}, else its config's
     * {@code timeout_seconds} (webhook, email), else the connectors' default.
     */
    private static long timeoutSeconds(StepDefinition definition, JsonNode config) {
        Integer own = definition.timeoutSeconds();
        if (own != null && own >= 1 && own <= StepDefinition.MAX_TIMEOUT_SECONDS) {
            return own;
        }
        JsonNode timeout = config == null ? null : config.get("timeout_seconds");
        if (timeout != null && timeout.isIntegralNumber() && timeout.canConvertToLong()
                && timeout.longValue() >= 1 && timeout.longValue() <= WebhookSpec.MAX_TIMEOUT_SECONDS) {
            return timeout.longValue();
        }
        return WebhookSpec.DEFAULT_TIMEOUT_SECONDS;
    }

    /** The changes one command makes: each {@link #commit} turns the working copy into one published revision. */
    private static final class Transition {
        final WorkflowDefinition workflow;
        final String eventId;
        final String source;
        final SnapshotBuilder run;
        final Instant now;
        final List<Effect> effects = new ArrayList<>();
        final Map<String, Integer> attemptBase = new HashMap<>();
        int failures;

        Transition(WorkflowDefinition workflow, String eventId, String source, SnapshotBuilder run, Instant now) {
            this.workflow = workflow;
            this.eventId = eventId;
            this.source = source;
            this.run = run;
            this.now = now;
        }

        Transition(RunState state, Instant now) {
            this(state.workflow(), state.eventId(), state.source(), SnapshotBuilder.from(state.run()), now);
            attemptBase.putAll(state.attemptBase());
            failures = state.failureCount();
        }

        /**
         * Whether an error workflow's trigger started this run: its source says so, or (from a trigger
         * service that does not pass the source on yet) its event id has the shape the executor gives them.
         */
        boolean startedByErrorHandler() {
            return ON_FAILURE_SOURCE.equals(source) || (eventId != null && eventId.startsWith(ON_FAILURE_SOURCE + ":"));
        }

        StepDefinition definition(String stepId) {
            return workflow.step(stepId).orElseThrow(() ->
                    new IllegalStateException("run " + run.runId + " has no step '" + stepId + "' in its pinned workflow"));
        }

        void commit(RunEventType type, String stepId) {
            run.revision++;
            run.updatedAt = now;
            RunSnapshot snapshot = run.build();
            effects.add(new Effect.PublishEvent(new RunEvent(type, SchemaVersions.CURRENT, run.runId, stepId, now, snapshot)));
        }

        Decision decision() {
            return Decision.applied(new RunState(RunState.CURRENT_SCHEMA_VERSION, run.build(), workflow, eventId, attemptBase,
                    source, failures, null), effects);
        }
    }
}
