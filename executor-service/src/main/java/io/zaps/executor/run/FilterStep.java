package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.StepState;
import io.zaps.contract.template.Expressions;
import io.zaps.contract.workflow.StepDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/** {@code filter}: output {@code {"passed": <condition>}}; the run goes on only when it passed, else it completes here. */
final class FilterStep extends InstantStep {
    FilterStep(StepFlow flow, RunLimits limits) {
        super(flow, limits);
    }

    @Override
    JsonNode decide(Map<String, Object> data, ObjectNode config) {
        boolean passed = Expressions.condition(config.path("condition").asString(""), data, "config.condition");
        return Json.object().put("passed", passed);
    }

    @Override
    public String next(StepDefinition definition, StepState step) {
        return step.output() != null && step.output().path("passed").asBoolean(false) ? definition.nextStepId() : null;
    }
}
