package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * filter, switch and transform over the whole system (issue 14): docs/workflows.md's worked example
 * (filter → switch → two webhooks → transform summary) triggered through the REST API for a big paid
 * order, a small paid order and an unpaid one, and a JSONata transform whose output a later webhook uses.
 */
class ControlFlowEndToEndTest {
    private static final Duration RUN_WITHIN = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer sink;
    static String sinkUrl;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    record Received(String path, JsonNode body) {}

    @BeforeAll
    static void startEverything() throws Exception {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        sink.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestURI().getPath(), Json.mapper().readTree(exchange.getRequestBody().readAllBytes())));
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        sink.start();
        sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));

        // docs/workflows.md's worked example, the sink in place of 127.0.0.1:8001.
        HttpResponse<String> created = post("/api/workflows", """
                {"id": "route_orders", "name": "Route orders", "entry_point": "only_paid",
                 "steps": [
                   {"id": "only_paid", "type": "filter", "config": {"condition": "{{ paid }}"}, "next_step_id": "route"},
                   {"id": "route", "type": "switch", "config": {
                      "cases": [{"when": "{{ amount > 1000 }}", "next_step_id": "approvals"}], "default_next_step_id": "shop"}},
                   {"id": "approvals", "type": "webhook", "config": {"url": "%1$s/approve", "body": {"order": "{{ order_id }}"}}, "next_step_id": "summary"},
                   {"id": "shop", "type": "webhook", "config": {"url": "%1$s/ship", "body": {"order": "{{ order_id }}"}}, "next_step_id": "summary"},
                   {"id": "summary", "type": "transform", "config": {"output": {"order": "{{ order_id }}", "big": "{{ amount > 1000 }}"}}}
                 ]}""".formatted(sinkUrl));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
        if (sink != null) {
            sink.stop(0);
        }
    }

    @Test
    void aBigPaidOrderGoesToApprovalsAndIsSummed() throws Exception {
        JsonNode run = awaitFinal(trigger("route_orders", "{\"order_id\": \"A-1\", \"paid\": true, \"amount\": 1500}"));

        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(output(run, "only_paid")).isEqualTo(Json.mapper().readTree("{\"passed\": true}"));
        assertThat(output(run, "route")).isEqualTo(Json.mapper().readTree("{\"case\": 0, \"next_step_id\": \"approvals\"}"));
        assertThat(status(run, "shop")).isEqualTo("skipped");
        assertThat(output(run, "summary")).isEqualTo(Json.mapper().readTree("{\"order\": \"A-1\", \"big\": true}"));
        assertThat(callsFor("A-1")).containsExactly("/approve");
    }

    @Test
    void aSmallPaidOrderGoesToTheShop() throws Exception {
        JsonNode run = awaitFinal(trigger("route_orders", "{\"order_id\": \"A-2\", \"paid\": true, \"amount\": 20}"));

        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(output(run, "route")).isEqualTo(Json.mapper().readTree("{\"case\": \"default\", \"next_step_id\": \"shop\"}"));
        assertThat(status(run, "approvals")).isEqualTo("skipped");
        assertThat(output(run, "summary")).isEqualTo(Json.mapper().readTree("{\"order\": \"A-2\", \"big\": false}"));
        assertThat(callsFor("A-2")).containsExactly("/ship");
    }

    @Test
    void anUnpaidOrderCompletesAtTheFilterAndCallsNothing() throws Exception {
        JsonNode run = awaitFinal(trigger("route_orders", "{\"order_id\": \"A-3\", \"paid\": false, \"amount\": 1500}"));

        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(output(run, "only_paid")).isEqualTo(Json.mapper().readTree("{\"passed\": false}"));
        for (String later : List.of("route", "approvals", "shop", "summary")) {
            assertThat(status(run, later)).as(later).isEqualTo("skipped");
        }
        assertThat(callsFor("A-3")).isEmpty();
    }

    @Test
    void aJsonataTransformReshapesAListAndALaterStepUsesItsOutput() throws Exception {
        String workflow = """
                {"id": "order_lines", "name": "Order lines", "entry_point": "lines",
                 "steps": [
                   {"id": "lines", "type": "transform", "config": {"expression": "%s"}, "next_step_id": "notify"},
                   {"id": "notify", "type": "webhook", "config": {"url": "%s/lines", "body": {"order": "{{ order_id }}", "sum": "{{ steps.lines.output.sum }}"}}}
                 ]}""";
        String expression = "{\\\"lines\\\": items.{\\\"id\\\": id, \\\"total\\\": price * qty}, \\\"sum\\\": $sum(items.(price * qty))}";
        HttpResponse<String> refused = post("/api/workflows", workflow.formatted("items.{\\\"id\\\": id", sinkUrl));
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("steps[0].config.expression").contains("invalid JSONata expression");
        assertThat(post("/api/workflows", workflow.formatted(expression, sinkUrl)).statusCode()).isEqualTo(201);

        JsonNode run = awaitFinal(trigger("order_lines", """
                {"order_id": "B-1", "items": [{"id": "p1", "price": 2.5, "qty": 2}, {"id": "p2", "price": 10, "qty": 3}]}"""));

        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(output(run, "lines")).isEqualTo(Json.mapper().readTree("""
                {"lines": [{"id": "p1", "total": 5}, {"id": "p2", "total": 30}], "sum": 35}"""));
        assertThat(received).filteredOn(r -> r.path().equals("/lines")).singleElement()
                .satisfies(r -> assertThat(r.body()).isEqualTo(Json.mapper().readTree("{\"order\": \"B-1\", \"sum\": 35}")));
    }

    // ------------------------------------------------------------------ helpers

    static String trigger(String workflowId, String context) throws Exception {
        HttpResponse<String> accepted = post("/api/workflows/" + workflowId + "/trigger", "{\"context\": " + context + "}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(RUN_WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = get("/api/runs/" + runId);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            String status = last[0].get("status").stringValue();
            return status.equals("completed") || status.equals("failed");
        });
        return last[0];
    }

    static JsonNode output(JsonNode run, String stepId) {
        return run.get("steps").get(stepId).get("output");
    }

    static String status(JsonNode run, String stepId) {
        return run.get("steps").get(stepId).get("status").stringValue();
    }

    /** The paths the sink was called on for {@code orderId}; a run is final only after its webhook was answered. */
    static List<String> callsFor(String orderId) {
        return received.stream().filter(r -> orderId.equals(r.body().path("order").asString(null))).map(Received::path).toList();
    }

    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
