package io.zaps.gateway.web;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;

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
                        "/api/workflows/{id}/runs", "/api/workflows/{id}/versions", "/health");
        assertThat(openApi.json().at("/paths/~1api~1workflows~1{id}~1trigger/post/responses").propertyNames()).contains("202");
        assertThat(openApi.json().at("/components/schemas/RunSnapshot/properties").propertyNames())
                .contains("run_id", "workflow_id", "created_at", "context", "steps");
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
