package io.zaps.local.console;

import io.zaps.contract.Json;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's template library (zaps-console, {@code console/templates}): every template listed in index.json,
 * its placeholders filled with their defaults exactly as the Templates page does ({@code template-library.js}),
 * is a workflow the server's {@link WorkflowValidator} accepts (every step type and trigger the services know,
 * found on this module's class path as in the gateway). No broker, no browser.
 */
class ConsoleTemplatesTest {
    private static final String BASE = "META-INF/resources/console/templates/";
    private static final Pattern MARKER = Pattern.compile("<<([A-Za-z0-9_]+)>>");
    private static final Pattern WHOLE_MARKER = Pattern.compile("^<<([A-Za-z0-9_]+)>>$");

    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());

    @Test
    void theLibraryHoldsAtLeastEightTemplatesEachWithTitleDescriptionAndDocumentedPlaceholders() throws IOException {
        JsonNode index = read("index.json");
        assertThat(index.size()).isGreaterThanOrEqualTo(8);
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode entry : index) {
            assertThat(names.add(entry.get("name").stringValue())).as("unique name " + entry.get("name")).isTrue();
            assertThat(entry.path("title").asString("")).isNotBlank();
            assertThat(entry.path("description").asString("")).isNotBlank();
            for (JsonNode p : entry.get("placeholders")) {
                assertThat(p.path("key").asString("")).as(entry.get("name") + " placeholder key").matches("[a-z0-9_]+");
                assertThat(p.path("label").asString("")).as(entry.get("name") + "." + p.get("key") + " label").isNotBlank();
                assertThat(p.has("default")).as(entry.get("name") + "." + p.get("key") + " default").isTrue();
                assertThat(p.path("description").asString("")).as(entry.get("name") + "." + p.get("key") + " description").isNotBlank();
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyTemplateFilledWithItsDefaultsIsAValidWorkflow() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : read("index.json")) {
            String name = entry.get("name").stringValue();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                JsonNode template = read(name + ".json");
                Map<String, String> values = new HashMap<>();
                Map<String, String> types = new HashMap<>();
                for (JsonNode p : entry.get("placeholders")) {
                    values.put(p.get("key").stringValue(), p.get("default").asString());
                    types.put(p.get("key").stringValue(), p.path("type").asString("string"));
                }
                Set<String> used = new LinkedHashSet<>();
                collectMarkers(template, used);
                assertThat(values.keySet()).as("placeholders of " + name).containsAll(used);
                assertThat(used).as("every placeholder of " + name + " is used").containsAll(values.keySet());

                JsonNode filled = fill(template, values, types);
                assertThat(filled.toString()).as("no marker left").doesNotContain("<<");
                List<Violation> violations = validator.validate(Json.read(Json.toBytes(filled), WorkflowDefinition.class));
                assertThat(violations).as(name + " with its defaults").isEmpty();
                assertThat(filled.get("id").stringValue()).isEqualTo(values.get("workflow_id"));
            }));
        }
        return tests.stream();
    }

    /** As template-library.js fillTemplate: markers replaced in every string; a whole number-typed marker becomes a number. */
    static JsonNode fill(JsonNode node, Map<String, String> values, Map<String, String> types) {
        if (node.isString()) {
            String text = node.stringValue();
            Matcher whole = WHOLE_MARKER.matcher(text);
            if (whole.matches() && Set.of("integer", "number").contains(types.get(whole.group(1)))) {
                String value = values.get(whole.group(1)).trim();
                return value.matches("-?[0-9]+") ? JsonNodeFactory.instance.numberNode(Long.parseLong(value))
                        : JsonNodeFactory.instance.numberNode(Double.parseDouble(value));
            }
            return JsonNodeFactory.instance.stringNode(MARKER.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                    values.getOrDefault(m.group(1), m.group()))));
        }
        if (node.isArray()) {
            ArrayNode copy = Json.mapper().createArrayNode();
            node.forEach(item -> copy.add(fill(item, values, types)));
            return copy;
        }
        if (node.isObject()) {
            ObjectNode copy = Json.mapper().createObjectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                copy.set(field.getKey(), fill(field.getValue(), values, types));
            }
            return copy;
        }
        return node;
    }

    static void collectMarkers(JsonNode node, Set<String> into) {
        if (node.isString()) {
            MARKER.matcher(node.stringValue()).results().forEach(m -> into.add(m.group(1)));
        } else if ((node.isArray() || node.isObject())) {
            node.forEach(child -> collectMarkers(child, into));
        }
    }

    static JsonNode read(String file) throws IOException {
        try (InputStream in = ConsoleTemplatesTest.class.getClassLoader().getResourceAsStream(BASE + file)) {
            assertThat(in).as("template file " + file + " on the class path (zaps-console)").isNotNull();
            return Json.mapper().readTree(in.readAllBytes());
        }
    }
}
