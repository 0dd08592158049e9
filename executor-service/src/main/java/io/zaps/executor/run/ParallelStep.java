package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.step.StepTypes;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * {@code parallel}: every branch chain at once, each a child run; output
 * {@code {"branches": {"<branch first step id>": <its last step output>}}}. A failed branch fails the step and
 * cancels the others.
 */
final class ParallelStep extends ChildRunsStep {
    ParallelStep(StepFlow flow, StepTypes stepTypes, RunLimits limits) {
        super(flow, stepTypes, limits);
    }

    @Override
    ObjectNode input(Map<String, Object> data, ObjectNode config) {
        ObjectNode input = Json.object();
        input.set("branches", config.path("branches"));
        return input;
    }

    @Override
    int count(JsonNode input) {
        return input.path("branches").size();
    }

    @Override
    int concurrency(JsonNode input) {
        return count(input);
    }

    @Override
    boolean continueOnError(JsonNode input) {
        return false;
    }

    @Override
    String chainStart(JsonNode input, int index) {
        return input.path("branches").get(index).asString();
    }

    @Override
    void addToContext(ObjectNode context, JsonNode input, int index) {
        context.put("branch", chainStart(input, index));
    }

    @Override
    JsonNode output(JsonNode input, ObjectNode progress) {
        ObjectNode branches = Json.object();
        for (int i = 0; i < count(input); i++) {
            branches.set(chainStart(input, i), progress.path("results").get(i));
        }
        ObjectNode output = Json.object();
        output.set("branches", branches);
        if (progress.path("results_by_reference").asBoolean(false)) {
            output.put("results_by_reference", true);
        }
        return output;
    }

    @Override
    String name(JsonNode input, int index) {
        return "branch '" + chainStart(input, index) + "'";
    }
}
