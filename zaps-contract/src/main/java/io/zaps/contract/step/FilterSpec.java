package io.zaps.contract.step;

import io.zaps.contract.template.Expressions;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code filter}: {@code {"condition": "{{ amount > 100 }}"}}. True: the run goes on at the step's
 * {@code next_step_id} (output {@code {"passed": true}}); false: the run ends {@code completed} there
 * (output {@code {"passed": false}}), every later step {@code skipped}. Run by the executor.
 */
public final class FilterSpec implements StepSpec {
    public static final String TYPE = "filter";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return FLOW;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("condition"));
        expression(config == null ? null : config.get("condition"), "condition", true, checks);
    }

    /** Checks the expression at {@code field}: a string that parses as one {@code {{ ... }}}. */
    static void expression(JsonNode node, String field, boolean required, ConfigChecks checks) {
        if (node == null || node.isNull()) {
            if (required) {
                checks.violation(field, "is required (an expression such as {{ amount > 100 }})");
            }
            return;
        }
        if (!node.isString()) {
            checks.violation(field, "must be a string holding an expression such as {{ amount > 100 }}");
            return;
        }
        String error = Expressions.syntaxError(node.stringValue());
        if (error != null) {
            checks.violation(field, "invalid expression: " + error);
        }
    }
}
