package io.zaps.gateway.types;

import io.zaps.contract.Json;
import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class TypesApiTest extends GatewayTestSupport {

    @Test
    void everyStepTypeComesWithSchemaExampleCategoryAndConnections() {
        Response response = get("/api/step-types");
        assertThat(response.status()).isEqualTo(200);
        JsonNode types = response.json();
        assertThat(types.valueStream().map(t -> t.get("type").stringValue()))
                .contains("delay", "webhook", "email", "pdf_extract", "filter", "switch", "transform", "for_each", "parallel",
                        "call_workflow", "wait_for_event");
        for (JsonNode type : types) {
            assertThat(type.propertyNames()).as(type.get("type").stringValue()).contains("type", "title", "description", "category",
                    "external", "default_timeout_seconds", "schema", "outputs", "example");
            assertThat(type.get("schema").get("$schema").stringValue()).isEqualTo("http://json-schema.org/draft-07/schema#");
            assertThat(type.get("category").stringValue()).isIn("action", "control", "flow");
        }
        JsonNode webhook = byType(types, "webhook");
        assertThat(webhook.get("external").booleanValue()).isTrue();
        assertThat(webhook.get("default_timeout_seconds").intValue()).isEqualTo(30);
        assertThat(webhook.get("outputs").valueStream().map(JsonNode::stringValue)).containsExactly("next");
        assertThat(byType(types, "pdf_extract").get("default_timeout_seconds").intValue()).isEqualTo(60);
        assertThat(byType(types, "delay").get("default_timeout_seconds").isNull()).isTrue();
        assertThat(byType(types, "for_each").get("outputs").valueStream().map(JsonNode::stringValue)).containsExactly("body", "next");
        assertThat(byType(types, "switch").get("outputs").valueStream().map(JsonNode::stringValue)).containsExactly("cases", "default");
        assertThat(byType(types, "switch").get("category").stringValue()).isEqualTo("flow");

        // an editor that drops the examples into a workflow gets it saved
        String id = uniqueId("from_examples");
        ObjectNode workflow = Json.object().put("id", id).put("name", "From the examples").put("entry_point", "wait");
        ArrayNode steps = workflow.putArray("steps");
        steps.addObject().put("id", "wait").put("type", "delay").put("next_step_id", "call")
                .set("config", byType(types, "delay").get("example"));
        steps.addObject().put("id", "call").put("type", "webhook").set("config", webhook.get("example"));
        workflow.set("trigger", byType(get("/api/trigger-types").json(), "schedule").get("example"));
        Response created = post("/api/workflows", workflow.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    @Test
    void triggerTypesHaveTheSameShape() {
        JsonNode types = get("/api/trigger-types").json();
        assertThat(types.valueStream().map(t -> t.get("type").stringValue())).containsExactly("manual", "webhook", "schedule", "email", "kafka");
        for (JsonNode type : types) {
            assertThat(type.get("category").stringValue()).isEqualTo("trigger");
            assertThat(type.get("outputs").valueStream().map(JsonNode::stringValue)).containsExactly("next");
            assertThat(type.get("title").stringValue()).isNotBlank();
        }
        assertThat(byType(types, "manual").get("example").isNull()).isTrue();
        assertThat(byType(types, "kafka").get("example").get("topic").stringValue()).isEqualTo("orders");
        assertThat(send("GET", "/api/step-types", null, Map.of()).status()).isEqualTo(401);
    }

    private static JsonNode byType(JsonNode types, String type) {
        return types.valueStream().filter(t -> t.get("type").stringValue().equals(type)).findFirst().orElseThrow();
    }
}
