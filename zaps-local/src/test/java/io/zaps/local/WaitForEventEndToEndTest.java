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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code wait_for_event} with every service against one broker, API keys on (issue 14, proof 4): one run resumed
 * by its resume URL (no API key), one by {@code POST /api/events}, one timing out. The three wait at once. And a
 * webhook step before the wait sends the wait's URL ({@code run.resume_urls}) to a local server, as an approval
 * mail would, and a POST to that URL resumes the run.
 */
class WaitForEventEndToEndTest {
    private static final String KEY = "wait-test-key-" + UUID.randomUUID();
    private static final Duration WITHIN = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static final HttpClient http = HttpClient.newHttpClient();
    /** Stands in for the mail server: what the webhook step before the wait sent. */
    static HttpServer mailbox;
    static final List<JsonNode> mailed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startEverything() throws IOException {
        mailbox = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        mailbox.createContext("/", exchange -> {
            mailed.add(Json.mapper().readTree(exchange.getRequestBody().readAllBytes()));
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        mailbox.start();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of("ZAPS_API_KEYS", KEY)));
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
        if (mailbox != null) {
            mailbox.stop(0);
        }
    }

    @Test
    void aStepBeforeTheWaitSendsTheResumeUrlAndAPostToItCompletesTheRun() throws Exception {
        String workflow = """
                {"id": "mail_approval", "name": "mail approval", "entry_point": "ask", "steps": [
                  {"id": "ask", "type": "webhook", "next_step_id": "approval", "config": {"url": "http://127.0.0.1:%d/mail",
                   "body": {"order": "{{ order_id }}", "approve_at": "{{ run.resume_urls.approval }}"}}},
                  {"id": "approval", "type": "wait_for_event", "next_step_id": "done",
                   "config": {"key": "mail-{{ order_id }}", "timeout_seconds": 600}},
                  {"id": "done", "type": "transform", "config": {"output": {"approved_by": "{{ steps.approval.output.by }}"}}}]}
                """.formatted(mailbox.getAddress().getPort());
        HttpResponse<String> created = post(zaps.gatewayUrl() + "/api/workflows", workflow, true);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String runId = trigger("mail_approval", "M-1");

        JsonNode mail = await().atMost(WITHIN).pollInterval(Duration.ofMillis(100))
                .until(() -> mailed.stream().filter(m -> "M-1".equals(m.path("order").asString(null))).findFirst().orElse(null),
                        java.util.Objects::nonNull);
        String link = mail.get("approve_at").stringValue();
        assertThat(link).startsWith(zaps.gatewayUrl() + "/hooks/runs/" + runId + "/steps/approval/resume?token=");
        assertThat(awaitWaiting(runId).get("resume_url").stringValue()).as("the wait shows the mailed link").isEqualTo(link);

        HttpResponse<String> resumed = post(link, "{\"by\": \"linus\"}", false);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(202);
        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(run.at("/steps/done/output/approved_by").stringValue()).isEqualTo("linus");
        assertThat(run.at("/resume_urls/approval").stringValue()).isEqualTo(link);
    }

    @Test
    void runsWaitUntilTheirResumeUrlAnEventOrTheTimeout() throws Exception {
        create("approve", 600);
        create("approve_fast", 2);
        String byUrl = trigger("approve", "A-1");
        String byEvent = trigger("approve", "B-2");
        String timesOut = trigger("approve_fast", "C-3");

        JsonNode waiting = awaitWaiting(byUrl);
        String resumeUrl = waiting.get("resume_url").stringValue();
        assertThat(waiting.get("waiting_for").stringValue()).isEqualTo("order-A-1");
        assertThat(resumeUrl).startsWith(zaps.gatewayUrl() + "/hooks/runs/" + byUrl + "/steps/approval/resume?token=");
        HttpResponse<String> wrong = post(resumeUrl.substring(0, resumeUrl.length() - 2) + "xx", "{}", false);
        assertThat(wrong.statusCode()).as(wrong.body()).isEqualTo(403);
        HttpResponse<String> resumed = post(resumeUrl, "{\"by\": \"ada\"}", false);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(202);

        assertThat(awaitWaiting(byEvent).get("waiting_for").stringValue()).isEqualTo("order-B-2");
        HttpResponse<String> published = post(zaps.gatewayUrl() + "/api/events", "{\"key\": \"order-B-2\", \"data\": {\"by\": \"grace\"}}", true);
        assertThat(published.statusCode()).as(published.body()).isEqualTo(202);

        JsonNode first = awaitFinal(byUrl);
        assertThat(first.get("status").stringValue()).as(first.toString()).isEqualTo("completed");
        assertThat(first.at("/steps/approval/output")).isEqualTo(Json.mapper().readTree("{\"by\": \"ada\"}"));
        assertThat(first.at("/steps/done/output/approved_by").stringValue()).isEqualTo("ada");
        assertThat(post(resumeUrl, "{}", false).statusCode()).as("the URL resumes once").isEqualTo(404);

        JsonNode second = awaitFinal(byEvent);
        assertThat(second.get("status").stringValue()).as(second.toString()).isEqualTo("completed");
        assertThat(second.at("/steps/done/output/approved_by").stringValue()).isEqualTo("grace");

        JsonNode third = awaitFinal(timesOut);
        assertThat(third.get("status").stringValue()).as(third.toString()).isEqualTo("failed");
        assertThat(third.get("error").stringValue()).isEqualTo("step 'approval' failed: no event for key 'order-C-3' within 2 s");
        assertThat(third.at("/steps/done/status").stringValue()).isEqualTo("skipped");
    }

    private static void create(String id, int timeoutSeconds) throws Exception {
        String workflow = """
                {"id": "%s", "name": "%s", "entry_point": "approval", "steps": [
                  {"id": "approval", "type": "wait_for_event", "next_step_id": "done",
                   "config": {"key": "order-{{ order_id }}", "timeout_seconds": %d, "on_timeout": "fail"}},
                  {"id": "done", "type": "transform", "config": {"output": {"approved_by": "{{ steps.approval.output.by }}"}}}]}
                """.formatted(id, id, timeoutSeconds);
        HttpResponse<String> response = post(zaps.gatewayUrl() + "/api/workflows", workflow, true);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static String trigger(String workflowId, String orderId) throws Exception {
        HttpResponse<String> response = post(zaps.gatewayUrl() + "/api/workflows/" + workflowId + "/trigger",
                "{\"context\": {\"order_id\": \"" + orderId + "\"}}", true);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return Json.mapper().readTree(response.body()).get("run_id").stringValue();
    }

    /** The waiting step's output once the run shows it waiting. */
    private static JsonNode awaitWaiting(String runId) {
        JsonNode[] output = new JsonNode[1];
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode run = getRun(runId);
            output[0] = run == null ? null : run.at("/steps/approval/output");
            return output[0] != null && output[0].has("resume_url") && "running".equals(run.at("/steps/approval/status").stringValue());
        });
        return output[0];
    }

    private static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = getRun(runId);
            return last[0] != null && last[0].get("completed_at") != null && !last[0].get("completed_at").isNull();
        });
        return last[0];
    }

    private static JsonNode getRun(String runId) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/runs/" + runId))
                .header("X-API-Key", KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : null;
    }

    private static HttpResponse<String> post(String url, String json, boolean withApiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(WITHIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (withApiKey) {
            request.header("X-API-Key", KEY);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
