package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.workflow.StepDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Map;

/**
 * A control step the executor decides the moment it is entered ({@code filter}, {@code switch},
 * {@code transform}): its output is computed from the run's data, recorded with the config as its input
 * in one {@code step_succeeded}, and the run goes on where {@link #next} says — all in the decision that
 * entered it. An expression that cannot be evaluated, or an output over {@link RunLimits#maxStepBytes},
 * fails the step permanently (the same data would fail the same way again).
 */
abstract class InstantStep implements StepKind {
    protected final StepFlow flow;
    private final RunLimits limits;

    InstantStep(StepFlow flow, RunLimits limits) {
        this.flow = flow;
        this.limits = limits;
    }

    /**
     * The step's output from the run's {@code data}.
     *
     * @throws TemplateException naming the config field that could not be evaluated
     */
    abstract JsonNode decide(Map<String, Object> data, ObjectNode config);

    /** {@link #decide(Map, ObjectNode)} for a kind whose output may depend on the decision's time {@code now}. */
    JsonNode decide(Map<String, Object> data, ObjectNode config, Instant now) {
        return decide(data, config);
    }

    @Override
    public final void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        JsonNode output;
        try {
            output = decide(TemplateData.of(t), config, t.now);
        } catch (TemplateException e) {
            flow.failAtStart(t, definition, attempt, config, "cannot evaluate " + e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            flow.failAtStart(t, definition, attempt, config, "cannot evaluate config: " + e);
            return;
        }
        int size = Json.toBytes(output).length;
        if (size > limits.maxStepBytes()) {
            flow.failAtStart(t, definition, attempt, config, "the output is " + size + " bytes, more than the "
                    + limits.maxStepBytes() + " a step may record");
            return;
        }
        StepState running = t.run.step(definition.id()).running(attempt, config, t.now).withAttempt(StepAttempt.started(attempt, t.now));
        flow.succeedStep(t, running, output);
    }
}
