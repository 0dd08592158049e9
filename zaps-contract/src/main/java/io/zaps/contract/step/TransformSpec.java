package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code transform}: {@code {"output": <any JSON>}}. The rendered JSON is the step's output: every string a
 * template, and a string that is exactly one expression keeps its JSON type ({@code "{{ amount * 2 }}"} → 300).
 * No secret references (the output is recorded). Run by the executor.
 */
public final class TransformSpec implements StepSpec {
    public static final String TYPE = "transform";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("output"));
        if (config == null || !config.has("output")) {
            checks.violation("output", "is required (any JSON; strings are templates)");
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
