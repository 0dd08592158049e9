package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.step.DelaySpec;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * {@code delay}: the executor waits on a durable {@code delay} timer and the step succeeds when it
 * fires (or, if the run was paused then, on {@code resume_run}). No connector, never retried.
 */
final class DelayStep implements StepKind {
    private final StepFlow flow;

    DelayStep(StepFlow flow) {
        this.flow = flow;
    }

    @Override
    public void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        JsonNode seconds = config.get("seconds");
        if (seconds == null || !seconds.isIntegralNumber() || !seconds.canConvertToLong()
                || seconds.longValue() < 1 || seconds.longValue() > DelaySpec.MAX_SECONDS) {
            flow.failAtStart(t, definition, attempt, config, "config.seconds must be an integer from 1 to " + DelaySpec.MAX_SECONDS);
            return;
        }
        t.run.put(t.run.step(definition.id()).running(attempt, config, t.now).withAttempt(StepAttempt.started(attempt, t.now)));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        t.effects.add(new Effect.ScheduleTimer(t.run.runId, definition.id(), attempt, t.now.plusSeconds(seconds.longValue())));
    }

    @Override
    public boolean takesResults() {
        return false;
    }

    @Override
    public Effect.ScheduleTimer attemptTimer(String runId, StepDefinition definition, StepState step) {
        return new Effect.ScheduleTimer(runId, step.stepId(), step.attempt(), due(step), FireTimer.Kind.DELAY);
    }

    @Override
    public Decision onTimer(RunState state, StepState step, FireTimer.Kind kind, Instant now) {
        if (kind != FireTimer.Kind.DELAY) {
            return null;
        }
        Instant due = due(step);
        if (now.isBefore(due)) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "the delay of step '" + step.stepId() + "' is due at " + due + ", not yet at " + now);
        }
        if (state.run().status() == RunStatus.PAUSED) {
            return AttemptChecks.held(state, "the delay of step '" + step.stepId() + "'");
        }
        Transition t = new Transition(state, now);
        flow.succeedStep(t, step, output(step, due, now));
        return t.decision();
    }

    @Override
    public void releaseHeld(Transition t, StepState step) {
        Instant due = due(step);
        if (!t.now.isBefore(due)) {
            flow.succeedStep(t, step, output(step, due, t.now));
        }
    }

    /** When the running delay ends: its start plus the seconds it ran with. */
    private static Instant due(StepState step) {
        return step.startTime().plusSeconds(seconds(step.input()));
    }

    private static long seconds(JsonNode input) {
        JsonNode seconds = input == null ? null : input.get("seconds");
        return seconds != null && seconds.canConvertToLong() ? seconds.longValue() : 0;
    }

    private static ObjectNode output(StepState step, Instant due, Instant now) {
        ObjectNode output = Json.object();
        // An int (a delay is at most a year) so the output equals its own JSON round trip.
        output.put("delayed_seconds", Math.toIntExact(seconds(step.input())));
        output.put("due_at", due.toString());
        output.put("fired_at", now.toString());
        return output;
    }
}
