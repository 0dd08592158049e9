package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.run.ParentRun;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;


/**
 * What parents and children tell each other: the id a child run gets (derived, so a replayed decision
 * starts the same child, which the executor then ignores as a duplicate), the steps a child inherits,
 * and the {@code child_run_ended} a child sends its parent when it ends.
 */
final class ChildRuns {
    private ChildRuns() {}

    /** The event id of the child at {@code index} of attempt {@code attempt} of the parent's step. */
    static String eventId(String parentRunId, String stepId, int attempt, int index) {
        return Ids.childEventId(parentRunId, stepId, attempt, index);
    }

    static String runId(String parentRunId, String stepId, int attempt, int index) {
        return Ids.childRunId(parentRunId, stepId, attempt, index);
    }

    /**
     * The parent's step results a child's templates see ({@code {"<id>": {"status", "output"}}}): what the
     * parent itself inherited, then its own completed and failed steps over it.
     */
    static ObjectNode inheritedSteps(Transition t) {
        ObjectNode steps = t.inheritedSteps == null ? Json.object() : t.inheritedSteps.deepCopy();
        for (StepState step : t.run.steps.values()) {
            if (step.status() == StepStatus.COMPLETED || step.status() == StepStatus.FAILED) {
                ObjectNode entry = Json.object().put("status", step.status().wireName());
                entry.set("output", step.output());
                steps.set(step.stepId(), entry);
            }
        }
        return steps;
    }

    /** When the run in {@code t} is a child, the effect telling its parent how it ended (call once it is final). */
    static void notifyParent(Transition t) {
        ParentRun parent = t.run.parent;
        if (parent == null) {
            return;
        }
        t.effects.add(new Effect.SendCommand(new ChildRunEnded(SchemaVersions.CURRENT, parent.runId(), parent.stepId(),
                parent.attempt(), parent.index(), t.run.runId, t.run.status, lastOutput(t), t.run.error)));
    }

    /** The output of the step that completed last (the end of the chain the child ran), or null. */
    private static JsonNode lastOutput(Transition t) {
        StepState last = null;
        for (StepState step : t.run.steps.values()) {
            if (step.status() == StepStatus.COMPLETED && step.endTime() != null
                    && (last == null || !step.endTime().isBefore(last.endTime()))) {
                last = step;
            }
        }
        return last == null ? null : last.output();
    }

    /** {@code step} with {@code output} (a running step's progress). */
    static StepState withOutput(StepState step, JsonNode output) {
        return new StepState(step.stepId(), step.type(), step.status(), step.attempt(), step.input(), step.startTime(),
                step.endTime(), step.error(), output, step.attempts(), step.nextAttemptAt());
    }

}
