package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.step.ForEachSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.template.Templates;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * {@code for_each}: one child run of the body chain per item, {@code item} and {@code index} in its scope;
 * output {@code {"count": n, "results": [each iteration's last body step output, in item order]}}.
 */
final class ForEachStep extends ChildRunsStep {
    ForEachStep(StepFlow flow, StepTypes stepTypes, RunLimits limits) {
        super(flow, stepTypes, limits);
    }

    @Override
    ObjectNode input(Map<String, Object> data, ObjectNode config) {
        JsonNode items = Templates.render(config.path("items"), data, "config.items");
        if (items == null || !items.isArray()) {
            throw new IllegalArgumentException("config.items must be a list, but is " + (items == null ? "nothing" : items.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                    + " (write it as one expression, e.g. {{ attachments }})");
        }
        int max = config.path("max_items").asInt(ForEachSpec.DEFAULT_MAX_ITEMS);
        if (items.size() > max) {
            throw new IllegalArgumentException("config.items has " + items.size() + " items, more than config.max_items (" + max + ")");
        }
        ObjectNode input = Json.object();
        input.set("items", items);
        input.put("body", config.path("body").asString());
        input.put("concurrency", config.path("concurrency").asInt(1));
        input.put("continue_on_error", config.path("continue_on_error").asBoolean(false));
        return input;
    }

    @Override
    int count(JsonNode input) {
        return input.path("items").size();
    }

    @Override
    int concurrency(JsonNode input) {
        return Math.max(1, input.path("concurrency").asInt(1));
    }

    @Override
    boolean continueOnError(JsonNode input) {
        return input.path("continue_on_error").asBoolean(false);
    }

    @Override
    String chainStart(JsonNode input, int index) {
        return input.path("body").asString();
    }

    @Override
    void addToContext(ObjectNode context, JsonNode input, int index) {
        context.set("item", input.path("items").get(index));
        context.put("index", index);
    }

    @Override
    JsonNode output(JsonNode input, ObjectNode progress) {
        ObjectNode output = JsonNodeFactory.instance.objectNode();
        output.put("count", progress.path("count").asInt());
        output.set("results", progress.path("results"));
        if (progress.path("failed").asInt() > 0) {
            output.put("failed", progress.path("failed").asInt());
        }
        if (progress.path("results_by_reference").asBoolean(false)) {
            output.put("results_by_reference", true);
        }
        return output;
    }

    @Override
    String name(JsonNode input, int index) {
        return "iteration " + index;
    }
}
