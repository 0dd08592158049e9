package io.zaps.gateway.web;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AccessAndDocsTest extends GatewayTestSupport {

    @Test
    void apiKeysAreEnforcedOnTheApiOnly() {
        Response none = send("GET", "/api/workflows", null, Map.of());
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).startsWith("application/problem+json");
        assertThat(none.json().get("status").intValue()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer");

        assertThat(send("GET", "/api/workflows", null, Map.of("X-API-Key", "wrong")).status()).isEqualTo(401);
        assertThat(send("GET", "/api/workflows", null, Map.of("Authorization", "Bearer wrong")).status()).isEqualTo(401);
        assertThat(send("GET", "/api/workflows", null, Map.of("Authorization", "Basic " + API_KEY)).status()).isEqualTo(401);
        assertThat(send("POST", "/api/workflows", workflowJson("sneaky", "active"),
                Map.of("Content-Type", "application/json")).status()).isEqualTo(401);
        assertThat(get("/api/workflows/sneaky").status()).as("nothing created without a key").isEqualTo(404);

        assertThat(send("GET", "/api/workflows", null, Map.of("X-API-Key", API_KEY)).status()).isEqualTo(200);
        assertThat(send("GET", "/api/workflows", null, Map.of("Authorization", "Bearer " + OTHER_KEY)).status()).isEqualTo(200);

        Response health = send("GET", "/health", null, Map.of());
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").stringValue()).isEqualTo("ok");
    }

    @Test
    void swaggerUiAndTheOpenApiDocumentAreServedWithoutAKey() {
        Response docs = send("GET", "/docs", null, Map.of());
        assertThat(docs.status()).isIn(200, 302);
        Response ui = send("GET", "/swagger-ui/index.html", null, Map.of());
        assertThat(ui.status()).isEqualTo(200);
        assertThat(ui.body()).containsIgnoringCase("swagger");

        Response openApi = send("GET", "/docs/openapi.json", null, Map.of());
        assertThat(openApi.status()).isEqualTo(200);
        assertThat(openApi.json().get("openapi").stringValue()).startsWith("3.");
        assertThat(openApi.json().get("paths").propertyNames())
                .contains("/api/workflows", "/api/workflows/{id}", "/api/workflows/{id}/trigger", "/api/runs/{run_id}",
                        "/api/workflows/{id}/runs", "/api/workflows/{id}/versions", "/health", "/api/runs", "/api/runs/stream");
        assertThat(openApi.json().at("/paths/~1api~1workflows~1{id}~1trigger/post/responses").propertyNames()).contains("202");
        assertThat(openApi.json().at("/components/schemas/RunSnapshot/properties").propertyNames())
                .contains("run_id", "workflow_id", "created_at", "context", "steps");
    }

    @Test
    void theOpenApiDocumentSaysWhatTheApiAnswersErrorsIncluded() {
        JsonNode paths = send("GET", "/docs/openapi.json", null, Map.of()).json().get("paths");

        for (String action : List.of("cancel", "pause", "resume", "retry")) {
            JsonNode responses = paths.at("/~1api~1runs~1{run_id}~1" + action + "/post/responses");
            assertThat(responses.propertyNames()).as(action).contains("202", "400", "401", "404", "409", "503").doesNotContain("200");
            assertThat(responses.at("/202/content/application~1json/schema/$ref").stringValue()).endsWith("/RunSnapshot");
        }
        assertThat(paths.at("/~1api~1workflows/post/responses").propertyNames()).contains("201", "400", "401", "409", "413", "415");
        assertThat(paths.at("/~1api~1workflows~1{id}/put/responses").propertyNames()).contains("200", "400", "404", "412", "413", "415");
        assertThat(paths.at("/~1api~1workflows~1{id}/put/parameters").valueStream().map(p -> p.get("name").stringValue()))
                .contains("If-Match");
        assertThat(paths.at("/~1api~1workflows~1{id}/delete/responses").propertyNames()).contains("204", "404", "412");
        assertThat(paths.at("/~1api~1workflows~1{id}~1trigger/post/responses").propertyNames())
                .contains("202", "200", "400", "404", "409", "422", "503");
        assertThat(paths.at("/~1api~1secrets~1{name}/put/responses").propertyNames()).contains("200", "201", "400", "415");
        assertThat(paths.at("/~1hooks~1{workflow_id}/post/responses").propertyNames()).contains("401", "404", "413", "415")
                .doesNotContain("412");
        assertThat(paths.at("/~1health/get/responses").propertyNames()).containsExactly("200");

        // every error answer is a Problem, every success JSON
        paths.forEachEntry((path, item) -> item.forEachEntry((method, operation) -> operation.get("responses").forEachEntry((status, response) -> {
            if (status.compareTo("400") >= 0) {
                assertThat(response.at("/content/application~1problem+json/schema/$ref").stringValue()).as(method + " " + path + " " + status)
                        .isEqualTo("#/components/schemas/Problem");
                assertThat(response.get("description").stringValue()).isNotBlank();
            } else if (response.has("content")) {
                String type = path.equals("/api/runs/stream") ? "text/event-stream" : "application/json";
                assertThat(response.get("content").propertyNames()).as(method + " " + path + " " + status).containsExactly(type);
            }
        })));
        JsonNode problem = send("GET", "/docs/openapi.json", null, Map.of()).json().at("/components/schemas/Problem");
        assertThat(problem.get("properties").propertyNames()).contains("type", "title", "status", "detail", "errors").doesNotContain("instance");
    }

    @Test
    void browsersMayCallTheApiOnlyFromConfiguredOriginsAndWithoutCredentials() {
        Response preflight = send("OPTIONS", "/api/workflows", null, Map.of(
                "Origin", ALLOWED_ORIGIN, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type,x-api-key"));
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED_ORIGIN);
        assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
        assertThat(preflight.header("Access-Control-Allow-Headers")).containsIgnoringCase("x-api-key");

        Response actual = send("GET", "/api/workflows", null, Map.of("Origin", ALLOWED_ORIGIN, "X-API-Key", API_KEY));
        assertThat(actual.status()).isEqualTo(200);
        assertThat(actual.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED_ORIGIN);

        Response foreign = send("OPTIONS", "/api/workflows", null, Map.of(
                "Origin", "http://evil.test", "Access-Control-Request-Method", "POST"));
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(foreign.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void unknownPathsAreProblems() {
        Response response = get("/api/nothing-here");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }
}
