package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.store.SecretStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Inbound webhooks through the whole system as {@code ./zaps up} runs it: a signed {@code POST /hooks/{id}} on the
 * gateway starts a run that the executor and the webhook connector carry out against a real local HTTP subscriber.
 * The secret is written to the credential store of the data folder, as {@code PUT /api/secrets/{name}} does.
 */
class InboundWebhookEndToEndTest {
    record Received(String path, String body) {}

    private static final String SECRET = "whsec-e2e-5d41402abc4b2a76b9719d911017c592";

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer subscriber;
    static String subscriberUrl;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getPath();
            received.add(new Received(path, body));
            ObjectNode answer = Json.object();
            answer.put("path", path);
            answer.set("echo", body.isEmpty() ? null : Json.mapper().readTree(body));
            byte[] bytes = Json.toBytes(answer);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        subscriber.start();
        subscriberUrl = "http://127.0.0.1:" + subscriber.getAddress().getPort();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));
        SecretStore.open(dataDir).put("shop-hook", SECRET);
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
        if (subscriber != null) {
            subscriber.stop(0);
        }
    }

    @Test
    void aSignedWebhookStartsARunThatCallsTheSubscriberAndItsReplayIsRefused() throws Exception {
        assertThat(post("/api/workflows", """
                {"id": "shop_orders", "name": "Shop orders", "entry_point": "notify",
                 "trigger": {"type": "webhook", "auth": "hmac", "secret": "{{ secret('shop-hook') }}"},
                 "steps": [{"id": "notify", "type": "webhook",
                            "config": {"url": "%s/orders/{{ body.order_id }}",
                                       "body": {"order_id": "{{ body.order_id }}", "total": "{{ body.total }}", "source": "{{ query.source }}"}}}]}
                """.formatted(subscriberUrl)).statusCode()).isEqualTo(201);

        String body = "{\"order_id\": \"A-1001\", \"total\": 59.9}";
        long ts = Instant.now().getEpochSecond();
        HttpResponse<String> accepted = hook("/hooks/shop_orders?source=shop", body, sign(SECRET, ts, body), ts);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String runId = Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/api/runs/" + runId);

        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(run.get("context").get("body").get("order_id").stringValue()).isEqualTo("A-1001");
        Received call = received.stream().filter(r -> r.path().equals("/orders/A-1001")).findFirst().orElseThrow();
        assertThat(Json.mapper().readTree(call.body())).isEqualTo(Json.mapper().readTree(
                "{\"order_id\": \"A-1001\", \"total\": 59.9, \"source\": \"shop\"}"));

        // the same delivery again: refused, nothing new starts
        HttpResponse<String> replay = hook("/hooks/shop_orders?source=shop", body, sign(SECRET, ts, body), ts);
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(409);
        assertThat(replay.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        // a forged one: refused
        String forged = "{\"order_id\": \"A-1001\", \"total\": 0.01}";
        HttpResponse<String> bad = hook("/hooks/shop_orders", forged, sign("not-the-secret", ts, forged), ts);
        assertThat(bad.statusCode()).isEqualTo(401);
        // a stale one: refused
        long old = ts - 3600;
        assertThat(hook("/hooks/shop_orders", body, sign(SECRET, old, body), old).statusCode()).isEqualTo(401);

        Thread.sleep(1000);
        assertThat(received.stream().filter(r -> r.path().startsWith("/orders/"))).hasSize(1);
        assertThat(Json.mapper().readTree(get("/api/workflows/shop_orders/runs").body()).size()).isEqualTo(1);
        assertSecretNowhereInTheDataFolder();
    }

    @Test
    void onCompletionAnswersWithTheLastStepsOutput() throws Exception {
        assertThat(post("/api/workflows", """
                {"id": "quote", "name": "Quote", "entry_point": "price",
                 "trigger": {"type": "webhook", "auth": "hmac", "secret": "{{ secret('shop-hook') }}",
                             "respond": "on_completion", "response_timeout_seconds": 60},
                 "steps": [{"id": "price", "type": "webhook", "next_step_id": "confirm",
                            "config": {"url": "%1$s/price", "body": {"sku": "{{ body.sku }}"}}},
                           {"id": "confirm", "type": "webhook",
                            "config": {"url": "%1$s/confirm",
                                       "body": {"sku": "{{ steps.price.output.response.body.echo.sku }}", "quoted": true}}}]}
                """.formatted(subscriberUrl)).statusCode()).isEqualTo(201);

        String body = "{\"sku\": \"KB-42\"}";
        long ts = Instant.now().getEpochSecond();
        HttpResponse<String> response = hook("/hooks/quote", body, sign(SECRET, ts, body), ts);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode answer = Json.mapper().readTree(response.body());
        String runId = answer.get("run_id").stringValue();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/runs/" + runId);
        assertThat(answer.get("status").stringValue()).isEqualTo("completed");
        assertThat(answer.get("step_id").stringValue()).isEqualTo("confirm");
        JsonNode output = answer.get("output").get("response");
        assertThat(output.get("status_code").intValue()).isEqualTo(200);
        assertThat(output.get("body")).isEqualTo(Json.mapper().readTree(
                "{\"path\": \"/confirm\", \"echo\": {\"sku\": \"KB-42\", \"quoted\": true}}"));
        assertThat(answer.get("output")).isEqualTo(
                Json.mapper().readTree(get("/api/runs/" + runId).body()).get("steps").get("confirm").get("output"));
        assertSecretNowhereInTheDataFolder();
    }

    // ------------------------------------------------------------------ helpers

    /** Run snapshots, idempotency and signature markers: the secret's value appears in none of them. */
    private static void assertSecretNowhereInTheDataFolder() throws IOException {
        for (String folder : List.of("runs", "workflows", "webhook-signatures")) {
            Path dir = dataDir.resolve(folder);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertThat(Files.readString(file)).as(file.toString()).doesNotContain(SECRET);
                }
            }
        }
    }

    /** What a sender computes: {@code sha256=} hex HMAC-SHA256(secret, "<timestamp>.<body>"). */
    static String sign(String secret, long timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
    }

    static HttpResponse<String> hook(String path, String body, String signature, long timestamp) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).timeout(Duration.ofSeconds(90))
                .header("Content-Type", "application/json")
                .header("X-Zaps-Signature", signature)
                .header("X-Zaps-Timestamp", Long.toString(timestamp))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = get("/api/runs/" + runId);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            return last[0].get("status").stringValue().matches("completed|failed|cancelled");
        });
        return last[0];
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
