package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.CallWorkflowSpec;
import io.zaps.contract.step.DelaySpec;
import io.zaps.contract.step.FilterSpec;
import io.zaps.contract.step.ForEachSpec;
import io.zaps.contract.step.ParallelSpec;
import io.zaps.contract.step.SwitchSpec;
import io.zaps.contract.step.TransformSpec;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.OnFailure;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The step and run transitions every applier shares, made on a {@link Transition}: enter a step and
 * start an attempt (through its {@link StepKind}), succeed a step and move on, retry or fail an
 * attempt, fail, complete or cancel the run, ask for its error workflow; and the timers a run waits on.
 */
final class StepFlow {
    private final StepTypes stepTypes;
    private final Backoff.Jitter jitter;
    /** The steps the executor runs itself, by type; every other type a connector runs, or nobody. */
    private final Map<String, StepKind> executorKinds;
    private final StepKind external;
    private final StepKind unrunnable;

    StepFlow(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter, RunLimits limits, ResumeLinks resumeLinks) {
        this.stepTypes = stepTypes;
        this.jitter = jitter;
        this.executorKinds = Map.of(
                DelaySpec.TYPE, new DelayStep(this),
                FilterSpec.TYPE, new FilterStep(this, limits),
                SwitchSpec.TYPE, new SwitchStep(this, limits),
                TransformSpec.TYPE, new TransformStep(this, limits),
                ForEachSpec.TYPE, new ForEachStep(this, stepTypes, limits),
                ParallelSpec.TYPE, new ParallelStep(this, stepTypes, limits),
                CallWorkflowSpec.TYPE, new CallWorkflowStep(this, limits),
                WaitForEventSpec.TYPE, new WaitForEventStep(this, limits, resumeLinks));
        this.external = new ExternalStep(this, stepTypes, deadlineGrace, limits);
        this.unrunnable = new UnrunnableStep(this, stepTypes);
    }

    /** The steps of {@code workflow} that run only in child runs (for_each bodies, parallel branches). */
    java.util.Set<String> owned(WorkflowDefinition workflow) {
        return new io.zaps.contract.workflow.WorkflowGraph(workflow, stepTypes).owned();
    }

    /** How steps of {@code type} run: by a connector when the type says so (or is unknown), else by the executor. */
    StepKind kindOf(String type) {
        if (stepTypes.isExternal(type)) {
            return external;
        }
        return executorKinds.getOrDefault(type, unrunnable);
    }

    void enterStep(Transition t, String stepId) {
        StepState step = t.run.step(stepId);
        startAttempt(t, t.definition(stepId), step.attempt() + 1);
    }

    void startAttempt(Transition t, StepDefinition definition, int attempt) {
        t.run.currentStepId = definition.id();
        ObjectNode config = definition.config() == null ? Json.object() : definition.config();
        kindOf(definition.type()).startAttempt(t, definition, attempt, config);
    }

    /** {@code retry_run}: the next attempt of {@code failed}, which its kind may start from what the failed attempt did. */
    void retryAttempt(Transition t, StepState failed) {
        StepDefinition definition = t.definition(failed.stepId());
        t.run.currentStepId = definition.id();
        ObjectNode config = definition.config() == null ? Json.object() : definition.config();
        kindOf(definition.type()).retryAttempt(t, definition, failed, failed.attempt() + 1, config);
    }

    /** A step that could not even start (bad config, template error): it fails at once, and so does the run. */
    void failAtStart(Transition t, StepDefinition definition, int attempt, JsonNode input, String reason) {
        StepState started = t.run.step(definition.id()).running(attempt, input, t.now);
        failStep(t, endAttempt(started, StepAttempt.Outcome.FAILED, reason, false, t.now), reason, null);
    }

    void succeedStep(Transition t, StepState step, JsonNode output) {
        t.run.put(endAttempt(step, StepAttempt.Outcome.SUCCEEDED, null, null, t.now).completed(output, t.now));
        t.commit(RunEventType.STEP_SUCCEEDED, step.stepId());
        String next = next(t, t.run.step(step.stepId()));
        if (next == null) {
            completeRun(t);
        } else if (t.run.status != RunStatus.PAUSED) {
            enterStep(t, next);
        }
        // Paused: the next step waits for resume_run, which finds the completed current step.
    }

    /** Where the run goes on after completed {@code step}: its kind decides (a switch's case), by default its next_step_id. */
    String next(Transition t, StepState step) {
        return kindOf(step.type()).next(t.definition(step.stepId()), step);
    }

    /**
     * The current attempt of a step ended without success ({@code step} already records how):
     * schedule the next attempt if the failure is retryable and the step's retry policy has attempts
     * left, else fail the step and the run.
     */
    void attemptFailed(Transition t, StepState step, String reason, JsonNode output, boolean retryable, Duration retryAfter) {
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
    static StepState endAttempt(StepState step, StepAttempt.Outcome outcome, String error, Boolean retryable, Instant now) {
        StepAttempt record = step.attemptRecord(step.attempt()).orElse(StepAttempt.started(step.attempt(), step.startTime()));
        if (record.outcome() != null) {
            return step;
        }
        return step.withAttempt(record.ended(outcome, error, retryable, now));
    }

    void failStep(Transition t, StepState step, String reason, JsonNode output) {
        t.run.put(step.failed(reason, output, t.now));
        t.run.currentStepId = step.stepId();
        t.commit(RunEventType.STEP_FAILED, step.stepId());
        failRun(t, "step '" + step.stepId() + "' failed: " + reason);
    }

    static void completeRun(Transition t) {
        t.run.status = RunStatus.COMPLETED;
        t.run.completedAt = t.now;
        t.run.currentStepId = null;
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_COMPLETED, null);
        ChildRuns.notifyParent(t);
    }

    void cancelRun(Transition t, String reason) {
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
        ChildRuns.notifyParent(t);
    }

    /** The timers the run's running steps wait on (a delay, a next attempt, an attempt's timeout), cancelled. */
    void cancelPendingTimers(Transition t) {
        for (Effect.ScheduleTimer timer : timersOf(t.run.runId, t.run.steps.values(), t.workflow)) {
            t.effects.add(cancel(timer));
        }
        // And the child runs a running for_each, parallel or call_workflow waits for.
        toChildren(t, (childId, at) -> new io.zaps.contract.command.CancelRun(io.zaps.contract.SchemaVersions.CURRENT, childId, at,
                "its parent run " + t.run.runId + " no longer waits for it"));
    }

    /** Sends {@code command} to every child run that the run's running steps started and still wait for (pause, resume). */
    void toChildren(Transition t, java.util.function.BiFunction<String, java.time.Instant, io.zaps.contract.command.RunCommand> command) {
        for (StepState step : t.run.steps.values()) {
            if (step.status() == StepStatus.RUNNING && kindOf(step.type()) instanceof WaitsForChildren children) {
                children.activeChildren(t, step).forEach(childId -> t.effects.add(new Effect.SendCommand(command.apply(childId, t.now))));
            }
        }
    }

    static Effect.CancelTimer cancel(Effect.ScheduleTimer timer) {
        return new Effect.CancelTimer(timer.runId(), timer.stepId(), timer.attempt(), timer.dueAt(), timer.kind());
    }

    /**
     * The timers {@code steps} wait on, exactly as the decisions that led to them scheduled them and
     * did not cancel them: for each running step its next attempt ({@code retry}), else whatever its
     * kind's current attempt waits on ({@link StepKind#attemptTimer}). See {@link RunStateMachine#pendingTimers}.
     */
    List<Effect.ScheduleTimer> timersOf(String runId, Collection<StepState> steps, WorkflowDefinition workflow) {
        List<Effect.ScheduleTimer> timers = new ArrayList<>();
        for (StepState step : steps) {
            if (step.status() != StepStatus.RUNNING || step.startTime() == null || workflow == null
                    || workflow.step(step.stepId()).isEmpty()) {
                continue;
            }
            if (step.nextAttemptAt() != null) {
                timers.add(new Effect.ScheduleTimer(runId, step.stepId(), step.attempt() + 1, step.nextAttemptAt(), FireTimer.Kind.RETRY));
                continue;
            }
            Effect.ScheduleTimer timer = kindOf(step.type()).attemptTimer(runId, workflow.step(step.stepId()).get(), step);
            if (timer != null) {
                timers.add(timer);
            }
        }
        return timers;
    }

    static void failRun(Transition t, String reason) {
        t.run.status = RunStatus.FAILED;
        t.run.completedAt = t.now;
        t.run.error = reason;
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_FAILED, null);
        t.failures++;
        startErrorWorkflow(t);
        ChildRuns.notifyParent(t);
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
        String eventId = RunStateMachine.ON_FAILURE_SOURCE + ":" + t.run.runId + ":" + t.failures;
        t.effects.add(new Effect.RequestTrigger(TriggerRequested.of(eventId, null, onFailure.workflowId(), context,
                RunStateMachine.ON_FAILURE_SOURCE, t.now)));
    }
}
