package io.zaps.gateway.secret;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SecretApiTest extends GatewayTestSupport {
    private static final String VALUE = "s3cr3t-VALUE-never-shown-7f1c";

    @Test
    void storesReplacesListsReadsAndDeletesASecretWithoutEverShowingItsValue() throws IOException {
        String name = uniqueId("smtp");

        Response created = put("/api/secrets/" + name, "{\"value\": \"" + VALUE + "\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/secrets/" + name);
        JsonNode body = created.json();
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("name", "created_at", "updated_at");
        assertThat(body.get("name").stringValue()).isEqualTo(name);
        Instant createdAt = Instant.parse(body.get("created_at").stringValue());
        assertThat(body.get("updated_at")).isEqualTo(body.get("created_at"));

        Response replaced = put("/api/secrets/" + name, "{\"value\": \"" + VALUE + "-rotated\"}");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.json().propertyNames()).containsExactlyInAnyOrder("name", "created_at", "updated_at");
        assertThat(Instant.parse(replaced.json().get("created_at").stringValue())).isEqualTo(createdAt);
        assertThat(Instant.parse(replaced.json().get("updated_at").stringValue())).isAfterOrEqualTo(createdAt);

        Response read = get("/api/secrets/" + name);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).isEqualTo(replaced.json());

        Response list = get("/api/secrets");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().valueStream().map(s -> s.get("name").stringValue())).contains(name);
        list.json().valueStream().forEach(s -> assertThat(s.propertyNames()).containsExactlyInAnyOrder("name", "created_at", "updated_at"));

        for (Response response : List.of(created, replaced, read, list)) {
            assertThat(response.body()).doesNotContain(VALUE);
        }
        try (Stream<Path> files = Files.walk(DATA_DIR.resolve("secrets"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain(VALUE);
            }
        }

        assertThat(delete("/api/secrets/" + name).status()).isEqualTo(204);
        assertProblem(get("/api/secrets/" + name), 404, null);
        assertProblem(delete("/api/secrets/" + name), 404, null);
        assertThat(get("/api/secrets").body()).doesNotContain(name);
    }

    @Test
    void namesFollowTheReferenceRule() {
        assertProblem(put("/api/secrets/-starts-with-dash", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(put("/api/secrets/" + "a".repeat(65), "{\"value\": \"x\"}"), 400, "name");
        assertProblem(put("/api/secrets/sp%20ace", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(get("/api/secrets/..hidden"), 400, "name");
        assertProblem(delete("/api/secrets/b@d"), 400, "name");
        assertThat(put("/api/secrets/" + uniqueId("with.dots-and_dash"), "{\"value\": \"x\"}").status()).isEqualTo(201);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"value\": null}", "{\"value\": \"\"}", "{\"value\": \"  \"}", "{\"value\": 12345}",
            "{\"value\": {\"nested\": \"x\"}}", "{\"value\": [\"x\"]}", "{\"value\": true}"})
    void aMissingBlankOrNonStringValueIsRefusedNamingValue(String body) {
        String name = uniqueId("bad");
        assertProblem(put("/api/secrets/" + name, body), 400, "value");
        assertThat(get("/api/secrets/" + name).status()).as("nothing stored").isEqualTo(404);
    }

    @Test
    void anEmptyBodyIsRefusedNamingValue() {
        assertProblem(send("PUT", "/api/secrets/" + uniqueId("empty"), null, Map.of("X-API-Key", API_KEY)), 400, "value");
    }

    @Test
    void aValueTooLargeIsRefused() {
        assertProblem(put("/api/secrets/" + uniqueId("big"), "{\"value\": \"" + "x".repeat(SecretController.MAX_VALUE_BYTES + 1) + "\"}"),
                400, "value");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"value\": " + VALUE + "}",                 // unquoted token: Jackson would quote it in its message
            "{\"value\": \"" + VALUE + "",                // unterminated string
            "{\"value\": \"" + VALUE + "\" " + VALUE + "}", // trailing garbage after the value
            "{\"value\": \"" + VALUE + "\"",                // missing closing brace
            "{'value': '" + VALUE + "'}",                  // single quotes
            VALUE,                                          // not JSON at all
            "[\"" + VALUE + "\"]"})                         // not an object
    void noErrorQuotesTheBody(String body) {
        Response response = put("/api/secrets/" + uniqueId("leak"), body);
        assertProblem(response, 400, null);
        assertThat(response.body()).doesNotContain(VALUE).doesNotContain(VALUE.substring(0, 10));
    }

    @Test
    void aSemicolonInTheNameIsRefusedInsteadOfDroppingWhatFollowsIt() {
        String name = uniqueId("semi");
        assertProblem(put("/api/secrets/" + name + ";b", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(put("/api/secrets/" + name + ";", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(put("/api/secrets/" + name + "%3Bb", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(put("/api/secrets/" + name + "%3bb", "{\"value\": \"x\"}"), 400, "name");
        assertProblem(get("/api/secrets/" + name + ";b"), 400, "name");
        assertProblem(delete("/api/secrets/" + name + ";b"), 400, "name");
        assertThat(get("/api/secrets/" + name).status()).as("nothing stored under the part before ';'").isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/xml", "text/xml", "application/octet-stream", "application/x-www-form-urlencoded"})
    void aBodyThatIsNotJsonIsRefusedWith415(String type) {
        String name = uniqueId("type");
        Response response = send("PUT", "/api/secrets/" + name, "{\"value\": \"" + VALUE + "\"}",
                Map.of("X-API-Key", API_KEY, "Content-Type", type));
        assertProblem(response, 415, null);
        assertThat(response.body()).doesNotContain(VALUE);
        assertThat(get("/api/secrets/" + name).status()).as("nothing stored").isEqualTo(404);
        assertThat(send("PUT", "/api/secrets/" + name, "{\"value\": \"x\"}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json; charset=utf-8")).status()).isEqualTo(201);
    }

    @Test
    void secretsNeedAnApiKey() {
        assertThat(send("GET", "/api/secrets", null, Map.of()).status()).isEqualTo(401);
        String name = uniqueId("nokey");
        assertThat(send("PUT", "/api/secrets/" + name, "{\"value\": \"x\"}", Map.of("Content-Type", "application/json")).status())
                .isEqualTo(401);
        assertThat(get("/api/secrets/" + name).status()).as("nothing stored without a key").isEqualTo(404);
        assertThat(send("DELETE", "/api/secrets/" + name, null, Map.of()).status()).isEqualTo(401);
    }

    @Test
    void theOpenApiDocumentShowsTheSecretsEndpoints() {
        JsonNode openApi = send("GET", "/docs/openapi.json", null, Map.of()).json();
        assertThat(openApi.get("paths").propertyNames()).contains("/api/secrets", "/api/secrets/{name}");
        JsonNode put = openApi.at("/paths/~1api~1secrets~1{name}/put");
        assertThat(put.get("responses").propertyNames()).contains("200", "201");
        assertThat(put.at("/requestBody/content/application~1json/schema/$ref").stringValue()).endsWith("/SecretValue");
        assertThat(openApi.at("/components/schemas/SecretValue/properties").propertyNames()).containsExactly("value");
        assertThat(openApi.at("/paths/~1api~1secrets~1{name}/get/responses/200/content").toString())
                .contains("SecretInfoView");
        assertThat(openApi.at("/components/schemas/SecretInfoView/properties").propertyNames())
                .containsExactlyInAnyOrder("name", "created_at", "updated_at");
    }
}
