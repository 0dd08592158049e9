package io.zaps.executor.run;

import io.zaps.contract.template.Expressions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/** {@code transform}: the config's {@code output} rendered, whole-expression strings keeping their JSON type, is the step's output. */
final class TransformStep extends InstantStep {
    TransformStep(StepFlow flow, RunLimits limits) {
        super(flow, limits);
    }

    @Override
    JsonNode decide(Map<String, Object> data, ObjectNode config) {
        return Expressions.renderTyped(config.get("output"), data, "config.output");
    }
}
