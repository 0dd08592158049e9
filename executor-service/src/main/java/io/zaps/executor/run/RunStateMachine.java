package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.DelaySpec;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WebhookSpec;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Where later features go: retries hook into {@link #failStep} (schedule a backoff timer for the
 * next attempt instead of failing the run; {@link #startAttempt} already takes the attempt number),
 * attempt timeouts into {@link #startExternal} (schedule a timer at the deadline) and {@link #fire}
 * (decide by the step's type and status which timer it is), and cancel/pause/resume/retry become new
 * {@link RunCommand} types with their own method here. Timers are never cancelled; a timer that no
 * longer matches the step's current attempt is ignored.
 */
public final class RunStateMachine {
    /** Added to a step's own timeout to give the connector time to report back. */
    public static final Duration DEFAULT_DEADLINE_GRACE = Duration.ofSeconds(5);

    private final StepTypes stepTypes;
    private final Duration deadlineGrace;

    public RunStateMachine(StepTypes stepTypes) {
        this(stepTypes, DEFAULT_DEADLINE_GRACE);
    }

    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace) {
        this.stepTypes = Objects.requireNonNull(stepTypes, "stepTypes");
        this.deadlineGrace = Objects.requireNonNull(deadlineGrace, "deadlineGrace");
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
        throw new IllegalArgumentException("unknown command type " + command.getClass().getName());
    }

    // ---- commands ----------------------------------------------------------------------------------

    private Decision start(RunState state, StartRun command, Instant now) {
        if (state != null) {
            return Decision.ignored(state, IgnoreReason.DUPLICATE_START, "run " + command.runId()
                    + " already exists (status " + state.run().status().wireName() + ", revision " + state.run().revision() + ")");
        }
        WorkflowDefinition workflow = command.workflow();
        if (workflow == null) {
            return Decision.ignored(null, IgnoreReason.NOT_APPLICABLE, "start_run for " + command.runId() + " carries no workflow");
        }
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

        Transition t = new Transition(workflow, command.eventId(), run, now);
        t.commit(RunEventType.RUN_STARTED, null);
        String problem = WorkflowPlan.problem(workflow);
        if (problem != null) {
            failRun(t, "workflow '" + workflow.id() + "' cannot run: " + problem);
        } else {
            enterStep(t, workflow.entryPoint());
        }
        return t.decision();
    }

    private Decision complete(RunState state, CompleteStep command, Instant now) {
        Decision ignored = checkCurrentAttempt(state, command.runId(), command.stepId(), command.attempt(), CompleteStep.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
        if (!stepTypes.isExternal(step.type())) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE,
                    "step '" + step.stepId() + "' of type " + step.type() + " is run by the executor, not by a connector");
        }
        Transition t = new Transition(state, now);
        if (command.outcome() == CompleteStep.Outcome.SUCCEEDED) {
            succeedStep(t, step, command.output());
        } else {
            String reason = command.error() == null || command.error().isBlank() ? "failed without a reason" : command.error();
            failStep(t, step, reason, command.output());
        }
        return t.decision();
    }

    private Decision fire(RunState state, FireTimer command, Instant now) {
        Decision ignored = checkCurrentAttempt(state, command.runId(), command.stepId(), command.attempt(), FireTimer.TYPE);
        if (ignored != null) {
            return ignored;
        }
        StepState step = state.run().steps().get(command.stepId());
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
        ObjectNode output = Json.object();
        // An int (a delay is at most a year) so the output equals its own JSON round trip.
        output.put("delayed_seconds", Math.toIntExact(seconds));
        output.put("due_at", due.toString());
        output.put("fired_at", now.toString());
        Transition t = new Transition(state, now);
        succeedStep(t, step, output);
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
        t.run.put(t.run.step(definition.id()).running(attempt, config, t.now));
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
        } catch (RuntimeException e) {
            // The template engine is a third-party library: whatever it throws is this step's failure, not the executor's.
            failAtStart(t, definition, attempt, null, "cannot render config: " + e.getMessage());
            return;
        }
        // The snapshot records what the step ran with, secrets hidden; only the connector gets the real values.
        ObjectNode shown = stepTypes.find(definition.type()).map(spec -> spec.redact(rendered)).orElse(rendered);
        t.run.put(t.run.step(definition.id()).running(attempt, shown, t.now));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        Instant deadline = t.now.plusSeconds(timeoutSeconds(rendered)).plus(deadlineGrace);
        String runId = t.run.runId;
        t.effects.add(new Effect.DispatchStep(new ExecuteStep(SchemaVersions.CURRENT, runId, t.run.workflowId,
                definition.id(), definition.type(), attempt, Ids.idempotencyKey(runId, definition.id(), attempt),
                rendered, t.now, deadline)));
    }

    /** A step that could not even start (bad config, template error): it fails at once, and so does the run. */
    private void failAtStart(Transition t, StepDefinition definition, int attempt, JsonNode input, String reason) {
        StepState started = t.run.step(definition.id()).running(attempt, input, t.now);
        failStep(t, started, reason, null);
    }

    private void succeedStep(Transition t, StepState step, JsonNode output) {
        t.run.put(step.completed(output, t.now));
        t.commit(RunEventType.STEP_SUCCEEDED, step.stepId());
        String next = t.definition(step.stepId()).nextStepId();
        if (next == null) {
            completeRun(t);
        } else {
            enterStep(t, next);
        }
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

    private static void failRun(Transition t, String reason) {
        t.run.status = RunStatus.FAILED;
        t.run.completedAt = t.now;
        t.run.error = reason;
        t.run.skipUnreached();
        t.commit(RunEventType.RUN_FAILED, null);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private static long delaySeconds(JsonNode input) {
        JsonNode seconds = input == null ? null : input.get("seconds");
        return seconds != null && seconds.canConvertToLong() ? seconds.longValue() : 0;
    }

    /** The step's own {@code timeout_seconds} (webhook, email), else the connectors' default. */
    private static long timeoutSeconds(ObjectNode config) {
        JsonNode timeout = config.get("timeout_seconds");
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
        final SnapshotBuilder run;
        final Instant now;
        final List<Effect> effects = new ArrayList<>();

        Transition(WorkflowDefinition workflow, String eventId, SnapshotBuilder run, Instant now) {
            this.workflow = workflow;
            this.eventId = eventId;
            this.run = run;
            this.now = now;
        }

        Transition(RunState state, Instant now) {
            this(state.workflow(), state.eventId(), SnapshotBuilder.from(state.run()), now);
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
            return Decision.applied(RunState.of(run.build(), workflow, eventId), effects);
        }
    }
}
