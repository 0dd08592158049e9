package io.zaps.executor.run;

import io.zaps.contract.template.Expressions;
import io.zaps.contract.template.JsonataExpressions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Map;

/**
 * {@code transform}: the config's {@code output} rendered, whole-expression strings keeping their JSON type, or the
 * value of its JSONata {@code expression} over the run's data (with {@code $now()} the decision's time), is the step's output.
 */
final class TransformStep extends InstantStep {
    TransformStep(StepFlow flow, RunLimits limits) {
        super(flow, limits);
    }

    @Override
    JsonNode decide(Map<String, Object> data, ObjectNode config, Instant now) {
        JsonNode expression = config.get("expression");
        if (expression != null && !expression.isNull()) {
            return JsonataExpressions.evaluate(expression.asString(""), data, now, "config.expression");
        }
        return decide(data, config);
    }

    @Override
    JsonNode decide(Map<String, Object> data, ObjectNode config) {
        return Expressions.renderTyped(config.get("output"), data, "config.output");
    }
}
