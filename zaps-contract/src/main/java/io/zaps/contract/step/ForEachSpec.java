package io.zaps.contract.step;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code for_each}: {@code {"items": "{{ attachments }}", "body": "extract", "concurrency": 4, "max_items": 1000,
 * "continue_on_error": false}}. Runs the body chain once per item, each iteration a child run with {@code item}
 * and {@code index} in its scope, at most {@code concurrency} at a time; output {@code {"count": n, "results": [...]}},
 * each iteration's last body step output in item order. Run by the executor.
 */
public final class ForEachSpec implements StepSpec {
    public static final String TYPE = "for_each";
    public static final int DEFAULT_MAX_ITEMS = 1_000;
    public static final int MAX_ITEMS = 10_000;
    public static final int MAX_CONCURRENCY = 50;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return FLOW;
    }

    @Override
    public List<String> outputs() {
        return List.of("body", "next");
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations)
                .onlyFields(Set.of("items", "body", "concurrency", "max_items", "continue_on_error"));
        checks.templateString("items", true);
        JsonNode body = config == null ? null : config.get("body");
        if (body == null || !body.isString() || !Ids.isSafe(body.stringValue())) {
            checks.violation("body", "is required: the id of the first step of the body chain, matching " + Ids.SAFE_ID.pattern());
        }
        checks.integer("concurrency", false, 1, MAX_CONCURRENCY, 1);
        checks.integer("max_items", false, 1, MAX_ITEMS, DEFAULT_MAX_ITEMS);
        JsonNode onError = config == null ? null : config.get("continue_on_error");
        if (onError != null && !onError.isNull() && !onError.isBoolean()) {
            checks.violation("continue_on_error", "must be true or false");
        }
    }

    @Override
    public List<Successor> chains(ObjectNode config) {
        JsonNode body = config == null ? null : config.get("body");
        return body != null && body.isString() ? List.of(new Successor("body", body.stringValue())) : List.of();
    }
}
