package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.StepState;
import io.zaps.contract.template.Expressions;
import io.zaps.contract.workflow.StepDefinition;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * {@code switch}: the first case whose {@code when} holds, else the default: output
 * {@code {"case": <index or "default">, "next_step_id": <where the run goes on, or null>}}; a null
 * next step ends the path (the run completes).
 */
final class SwitchStep extends InstantStep {
    SwitchStep(StepFlow flow, RunLimits limits) {
        super(flow, limits);
    }

    @Override
    JsonNode decide(Map<String, Object> data, ObjectNode config) {
        JsonNode cases = config.path("cases");
        for (int i = 0; i < cases.size(); i++) {
            JsonNode item = cases.get(i);
            if (Expressions.condition(item.path("when").asString(""), data, "config.cases[" + i + "].when")) {
                ObjectNode output = Json.object().put("case", i);
                output.set("next_step_id", item.get("next_step_id"));
                return output;
            }
        }
        ObjectNode output = Json.object().put("case", "default");
        JsonNode fallback = config.get("default_next_step_id");
        output.set("next_step_id", fallback == null ? Json.mapper().nullNode() : fallback);
        return output;
    }

    @Override
    public String next(StepDefinition definition, StepState step) {
        JsonNode next = step.output() == null ? null : step.output().get("next_step_id");
        return next == null || !next.isString() ? null : next.stringValue();
    }
}
