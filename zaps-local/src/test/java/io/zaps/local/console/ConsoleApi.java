package io.zaps.local.console;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The REST API as browser tests set things up through it (not through the page under test). */
final class ConsoleApi {
    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String apiKey;

    ConsoleApi(String base, String apiKey) {
        this.base = base;
        this.apiKey = apiKey;
    }

    void create(String workflow) throws IOException, InterruptedException {
        HttpResponse<String> created = send("POST", "/api/workflows", workflow);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    String trigger(String workflowId, String context) throws IOException, InterruptedException {
        HttpResponse<String> accepted = send("POST", "/api/workflows/" + workflowId + "/trigger", "{\"context\": " + context + "}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    /** Waits (bounded) until the run has {@code status}. */
    void awaitStatus(String runId, String status) {
        await().atMost(Browser.WAIT).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> run = send("GET", "/api/runs/" + runId, null);
            if (run.statusCode() != 200) {
                return false;
            }
            JsonNode snapshot = Json.mapper().readTree(run.body());
            return status.equals(snapshot.get("status").stringValue());
        });
    }

    HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Browser.WAIT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
