package io.zaps.contract.step;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code switch} (paths): {@code {"cases": [{"when": "{{ amount > 1000 }}", "next_step_id": "approve"}, ...],
 * "default_next_step_id": "mail"}}. The first case whose {@code when} is true wins and the run goes on at its
 * {@code next_step_id}; none: at {@code default_next_step_id}, or, without one, the path ends. Output
 * {@code {"case": <index or "default">, "next_step_id": ...}}. A switch has no {@code next_step_id} of its own;
 * paths may rejoin at a common step. Run by the executor.
 */
public final class SwitchSpec implements StepSpec {
    public static final String TYPE = "switch";
    public static final int MAX_CASES = 50;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return FLOW;
    }

    /** A switch goes on at its cases' steps or its default, never at a next_step_id. */
    @Override
    public List<String> outputs() {
        return List.of("cases", "default");
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public boolean takesNextStep() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("cases", "default_next_step_id"));
        JsonNode cases = config == null ? null : config.get("cases");
        if (cases == null || !cases.isArray() || cases.isEmpty() || cases.size() > MAX_CASES) {
            checks.violation("cases", "must be a list of 1 to " + MAX_CASES + " cases {\"when\": \"{{ ... }}\", \"next_step_id\": \"...\"}");
        } else {
            for (int i = 0; i < cases.size(); i++) {
                JsonNode item = cases.get(i);
                String at = "cases[" + i + "]";
                if (!item.isObject()) {
                    checks.violation(at, "must be an object {\"when\": \"{{ ... }}\", \"next_step_id\": \"...\"}");
                    continue;
                }
                ConfigChecks.of((ObjectNode) item, path + "." + at, violations).onlyFields(Set.of("when", "next_step_id"));
                FilterSpec.expression(item.get("when"), at + ".when", true, checks);
                stepId(item.get("next_step_id"), at + ".next_step_id", true, checks);
            }
        }
        stepId(config == null ? null : config.get("default_next_step_id"), "default_next_step_id", false, checks);
    }

    private static void stepId(JsonNode node, String field, boolean required, ConfigChecks checks) {
        if (node == null || node.isNull()) {
            if (required) {
                checks.violation(field, "is required (the id of the step this path goes on at)");
            }
        } else if (!node.isString() || !Ids.isSafe(node.stringValue())) {
            checks.violation(field, "must be a step id matching " + Ids.SAFE_ID.pattern());
        }
    }

    @Override
    public List<Successor> successors(ObjectNode config) {
        List<Successor> successors = new ArrayList<>();
        JsonNode cases = config == null ? null : config.get("cases");
        if (cases != null && cases.isArray()) {
            for (int i = 0; i < cases.size(); i++) {
                JsonNode next = cases.get(i).get("next_step_id");
                if (next != null && next.isString()) {
                    successors.add(new Successor("cases[" + i + "].next_step_id", next.stringValue()));
                }
            }
        }
        JsonNode fallback = config == null ? null : config.get("default_next_step_id");
        if (fallback != null && fallback.isString()) {
            successors.add(new Successor("default_next_step_id", fallback.stringValue()));
        }
        return successors;
    }
}
