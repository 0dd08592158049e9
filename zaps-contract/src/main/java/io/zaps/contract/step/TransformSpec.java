package io.zaps.contract.step;

import io.zaps.contract.template.JsonataExpressions;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code transform}, one of two forms. {@code {"output": <any JSON>}}: the rendered JSON is the step's output,
 * every string a template, and a string that is exactly one expression keeps its JSON type
 * ({@code "{{ amount * 2 }}"} → 300); no secret references (the output is recorded).
 * {@code {"expression": "<JSONata>"}}: the expression's value over the run's data is the output, e.g.
 * {@code items.{"id": id, "total": price * qty}} (see {@link JsonataExpressions}). Run by the executor.
 */
public final class TransformSpec implements StepSpec {
    public static final String TYPE = "transform";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return ACTION;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("output", "expression"));
        boolean output = config != null && config.has("output");
        boolean expression = config != null && config.has("expression");
        if (output == expression) {
            checks.violation(output ? "expression" : "output", output
                    ? "cannot be given with output: a transform has either an output or an expression"
                    : "is required (any JSON; strings are templates), or instead an expression (JSONata)");
            return;
        }
        if (expression) {
            JsonNode node = config.get("expression");
            String error = node.isString() ? JsonataExpressions.syntaxError(node.stringValue())
                    : "must be a string holding a JSONata expression";
            if (error != null) {
                checks.violation("expression", error);
            }
            return;
        }
        checks.templatedValue("output");
        if (mentionsSecret(config.get("output"))) {
            checks.violation("output", "cannot use secret(): a transform's output is recorded in the run");
        }
    }

    private static boolean mentionsSecret(JsonNode node) {
        if (node.isString()) {
            return node.stringValue().contains("secret(");
        }
        for (JsonNode child : node) {
            if (mentionsSecret(child)) {
                return true;
            }
        }
        return false;
    }
}
