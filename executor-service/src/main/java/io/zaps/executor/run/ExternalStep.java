package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WebhookSpec;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;

/**
 * A step a connector runs: an attempt renders the config over the run's data, dispatches it to the
 * type's connector with its idempotency key and deadline, and waits on an {@code attempt_timeout}
 * timer at that deadline (the attempt's timeout plus a grace); the connector's result arrives as
 * {@code complete_step} ({@link CompleteStepApplier}), or the timer fires first and the attempt is
 * {@code timed_out}, to be retried or failed.
 */
final class ExternalStep implements StepKind {
    private final StepFlow flow;
    private final StepTypes stepTypes;
    private final Duration deadlineGrace;
    private final RunLimits limits;

    ExternalStep(StepFlow flow, StepTypes stepTypes, Duration deadlineGrace, RunLimits limits) {
        this.flow = flow;
        this.stepTypes = stepTypes;
        this.deadlineGrace = deadlineGrace;
        this.limits = limits;
    }

    @Override
    public void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        ObjectNode rendered;
        try {
            rendered = (ObjectNode) Templates.render(config, TemplateData.of(t), "config");
        } catch (TemplateException e) {
            flow.failAtStart(t, definition, attempt, null, "cannot render " + e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            // The template engine is a third-party library: whatever it throws is this step's failure, not the executor's.
            flow.failAtStart(t, definition, attempt, null, "cannot render config: " + e);
            return;
        }
        int size = Json.toBytes(rendered).length;
        if (size > limits.maxStepBytes()) {
            flow.failAtStart(t, definition, attempt, null, "the rendered config is " + size + " bytes, more than the "
                    + limits.maxStepBytes() + " a step may send");
            return;
        }
        // The snapshot records what the step ran with, secrets hidden; only the connector gets the real values.
        ObjectNode shown = stepTypes.find(definition.type()).map(spec -> spec.redact(rendered)).orElse(rendered);
        t.run.put(t.run.step(definition.id()).running(attempt, shown, t.now).withAttempt(StepAttempt.started(attempt, t.now)));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        // From the recorded step (its start and shown input), exactly as the timeout and its cancel compute it.
        Effect.ScheduleTimer timeout = attemptTimer(t.run.runId, definition, t.run.step(definition.id()));
        String runId = t.run.runId;
        t.effects.add(new Effect.DispatchStep(new ExecuteStep(SchemaVersions.CURRENT, runId, t.run.workflowId,
                definition.id(), definition.type(), attempt, Ids.idempotencyKey(runId, definition.id(), attempt),
                rendered, t.now, timeout.dueAt())));
        // Cancelled when the attempt's result arrives; if that cancel misses, the timer finds an ended attempt and is ignored.
        t.effects.add(timeout);
    }

    @Override
    public boolean takesResults() {
        return true;
    }

    /** The current attempt's {@code attempt_timeout} timer, at its deadline. */
    @Override
    public Effect.ScheduleTimer attemptTimer(String runId, StepDefinition definition, StepState step) {
        return new Effect.ScheduleTimer(runId, step.stepId(), step.attempt(), deadline(definition, step), FireTimer.Kind.ATTEMPT_TIMEOUT);
    }

    /** The attempt's deadline passed without a result: it is {@code timed_out}, then retried or failed. */
    @Override
    public Decision onTimer(RunState state, StepState step, FireTimer.Kind kind, Instant now) {
        if (kind != FireTimer.Kind.ATTEMPT_TIMEOUT) {
            return null;
        }
        if (step.nextAttemptAt() != null) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT,
                    "attempt " + step.attempt() + " of step '" + step.stepId() + "' already ended");
        }
        Transition t = new Transition(state, now);
        StepDefinition definition = t.definition(step.stepId());
        long timeout = timeoutSeconds(definition, step.input());
        Instant deadline = deadline(definition, step);
        if (now.isBefore(deadline)) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "attempt " + step.attempt() + " of step '" + step.stepId() + "' times out at " + deadline + ", not yet at " + now);
        }
        String reason = "no result within " + timeout + " s";
        StepState timedOut = StepFlow.endAttempt(step, StepAttempt.Outcome.TIMED_OUT, reason, true, now);
        t.run.put(new StepState(timedOut.stepId(), timedOut.type(), timedOut.status(), timedOut.attempt(), timedOut.input(),
                timedOut.startTime(), timedOut.endTime(), reason, null, timedOut.attempts(), null));
        t.commit(RunEventType.STEP_TIMED_OUT, step.stepId());
        flow.attemptFailed(t, t.run.step(step.stepId()), reason, null, true, null);
        return t.decision();
    }

    @Override
    public void releaseHeld(Transition t, StepState step) {
        // An attempt in flight goes on while paused: its result or its timeout is recorded as it comes.
    }

    /**
     * When the executor stops waiting for the current attempt of {@code step}: its start (the decision
     * time the attempt was dispatched at) plus its timeout (from the recorded, rendered input) plus the grace.
     */
    private Instant deadline(StepDefinition definition, StepState step) {
        return step.startTime().plusSeconds(timeoutSeconds(definition, step.input())).plus(deadlineGrace);
    }

    /**
     * How long one attempt may take: the step's {@code timeout_seconds}, else its config's
     * {@code timeout_seconds} (webhook, email, pdf_extract), else its type's default
     * ({@link StepSpec#defaultTimeoutSeconds()}), which is what the connector applies too.
     */
    private long timeoutSeconds(StepDefinition definition, JsonNode config) {
        Integer own = definition.timeoutSeconds();
        if (own != null && own >= 1 && own <= StepDefinition.MAX_TIMEOUT_SECONDS) {
            return own;
        }
        JsonNode timeout = config == null ? null : config.get("timeout_seconds");
        if (timeout != null && timeout.isIntegralNumber() && timeout.canConvertToLong()
                && timeout.longValue() >= 1 && timeout.longValue() <= WebhookSpec.MAX_TIMEOUT_SECONDS) {
            return timeout.longValue();
        }
        return stepTypes.find(definition.type()).map(StepSpec::defaultTimeoutSeconds).orElse(StepSpec.DEFAULT_TIMEOUT_SECONDS);
    }
}
