package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13's black-box tests, run one after another against one system as {@code ./zaps up} runs it
 * (with API keys on): bad definitions, template bombs, forged and poison records on the internal
 * topics, cloud-metadata calls, secrets; at the end the system must still be healthy, a normal run
 * completing. Each part bounds its waits.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputEndToEndTest {
    private static final String KEY = "hostile-test-key-" + UUID.randomUUID();
    private static final Duration RUN_WITHIN = Duration.ofSeconds(30);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer sink;
    static String sinkUrl;
    static final List<String> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws IOException {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        sink.createContext("/", exchange -> {
            received.add(exchange.getRequestURI().getPath());
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "{\"ok\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        sink.start();
        sinkUrl = "http://127.0.0.1:" + sink.getAddress().getPort();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of("ZAPS_API_KEYS", KEY)));
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
    @Order(1)
    void withApiKeysEveryApiCallNeedsOne() throws Exception {
        HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/workflows")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/workflows"))
                .header("X-API-Key", "not-" + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(send("GET", "/api/workflows", null).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void badDefinitionsAreRefusedNamingTheFieldAndNothingIsWritten() throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"id\": \"broken\", ", "");
        cases.put(webhookWorkflow("inc", "{% include 'x' %}"), "steps[0].config.body.text");
        cases.put(webhookWorkflow("imp", "{% import 'x' %}"), "tag is not allowed");
        cases.put(webhookWorkflow("ext", "{% extends 'x' %}"), "tag is not allowed");
        cases.put(webhookWorkflow("sec", "{% include \\\"{{ secret('smtp_password') }}\\\" %}"), "steps[0].config.body.text");
        cases.put(webhookWorkflow("mac", "{% macro boom(n) %}{{ boom(n) }}{% endmacro %}{{ boom(1) }}"), "tag is not allowed");
        cases.put(webhookWorkflow("..%2f..%2fetc", "x").replace("\"id\": \"..%2f..%2fetc\"", "\"id\": \"../../etc\""), "id");
        for (Map.Entry<String, String> bad : cases.entrySet()) {
            HttpResponse<String> response = send("POST", "/api/workflows", bad.getKey());
            assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(response.body()).as(bad.getKey()).contains(bad.getValue());
        }
        for (String id : List.of("inc", "imp", "ext", "sec", "mac")) {
            assertThat(send("GET", "/api/workflows/" + id, null).statusCode()).as(id).isEqualTo(404);
        }
        try (var files = Files.list(dataDir.resolve("workflows"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith("inc") || name.contains("etc"));
        } catch (java.nio.file.NoSuchFileException none) {
            // nothing written at all
        }
    }

    @Test
    @Order(3)
    void templateBombsFailTheirRunWithAReasonAndTheExecutorGoesOn() throws Exception {
        Map<String, String> bombs = new LinkedHashMap<>();
        bombs.put("{% for i in range(0, 2000000000) %}{% endfor %}", "would make 2000000001 items");
        bombs.put("{% for i in range(1, 10000) %}{% for j in range(1, 10000) %}{% endfor %}{% endfor %}", "loops ran more than");
        bombs.put("{% set s = 'x' %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}{{ s }}", "the operator '~' would make");
        bombs.put("{% for i in range(1, 100000) %}" + "x".repeat(1_000) + "{% endfor %}", "1000000");
        int n = 0;
        for (Map.Entry<String, String> bomb : bombs.entrySet()) {
            String id = "bomb_" + n++;
            assertThat(send("POST", "/api/workflows", webhookWorkflow(id, bomb.getKey())).statusCode()).as(bomb.getKey()).isEqualTo(201);
            Instant triggered = Instant.now();
            JsonNode run = awaitFinal(trigger(id));
            assertThat(run.get("status").stringValue()).as(bomb.getKey()).isEqualTo("failed");
            assertThat(run.get("error").stringValue()).as(bomb.getKey()).contains("config.body.text").contains(bomb.getValue());
            assertThat(Duration.between(triggered, Instant.now())).as("failed within seconds").isLessThan(RUN_WITHIN);
        }
        assertThat(received).as("no bomb reached the sink").isEmpty();
        aNormalRunCompletes("after_bombs");
    }

    @Test
    @Order(4)
    void aForgedStartRunOnTheInternalTopicIsRejectedAndDeadLettered() throws Exception {
        String runId = UUID.randomUUID().toString();
        String forged = """
                {"type": "start_run", "schema_version": 1, "run_id": "%s", "event_id": "forged-1", "requested_at": "%s", "context": {},
                 "workflow": {"id": "forged", "name": "forged", "entry_point": "send", "status": "active", "version": 1,
                   "steps": [{"id": "send", "type": "email", "config": {"host": "127.0.0.1", "port": 2525, "tls": "none",
                     "username": "bot", "password": "literal-hunter2", "from": "a@zaps.test", "to": "b@zaps.test",
                     "subject": "hi", "text": "hello"}}]}}
                """.formatted(runId, Instant.now());
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(Topics.RUN_COMMANDS, runId, forged.getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(Topics.RUN_COMMANDS, runId, "{not json".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, "poison", "{\"workflow_id\": 42".getBytes(StandardCharsets.UTF_8))).get();
        }
        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).isEqualTo("failed");
        assertThat(run.get("error").stringValue()).contains("steps[0].config.password").doesNotContain("literal-hunter2");
        List<String> reasons = deadLetterReasons(Topics.deadLetter(Topics.RUN_COMMANDS), 2);
        assertThat(reasons).anySatisfy(reason -> assertThat(reason).contains("steps[0].config.password"))
                .anySatisfy(reason -> assertThat(reason).contains("cannot read"));
        assertThat(deadLetterReasons(Topics.deadLetter(Topics.TRIGGERS), 1)).isNotEmpty();
        aNormalRunCompletes("after_forgery");
    }

    @Test
    @Order(5)
    void cloudMetadataIsNeverCalled() throws Exception {
        String workflow = """
                {"id": "metadata", "name": "metadata", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "http://169.254.169.254/latest/meta-data/"}}]}
                """;
        // Saving is allowed (a URL may be a template resolved at run time); the connector refuses the address.
        assertThat(send("POST", "/api/workflows", workflow).statusCode()).isEqualTo(201);
        JsonNode run = awaitFinal(trigger("metadata"));
        assertThat(run.get("status").stringValue()).isEqualTo("failed");
        assertThat(run.get("error").stringValue()).containsIgnoringCase("metadata");
    }

    @Test
    @Order(6)
    void aSecretIsNeverAnswered() throws Exception {
        String value = "secret-" + UUID.randomUUID();
        assertThat(send("PUT", "/api/secrets/hostile_token", "{\"value\": \"" + value + "\"}").statusCode()).isIn(200, 201);
        assertThat(send("GET", "/api/secrets", null).body()).contains("hostile_token").doesNotContain(value);
        assertThat(send("GET", "/api/secrets/hostile_token", null).body()).doesNotContain(value);
    }

    @Test
    @Order(7)
    void concurrentWritesLoseNoUpdate() throws Exception {
        String body = webhookWorkflow("contended", "v");
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> creates = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            creates.add(sendAsync("POST", "/api/workflows", body));
        }
        List<Integer> created = creates.stream().map(f -> f.join().statusCode()).toList();
        assertThat(created).filteredOn(status -> status == 201).hasSize(1);
        assertThat(created).filteredOn(status -> status != 201).containsOnly(409);

        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> updates = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            updates.add(sendAsync("PUT", "/api/workflows/contended", webhookWorkflow("contended", "v" + i)));
        }
        List<Integer> versions = new ArrayList<>();
        for (var update : updates) {
            HttpResponse<String> response = update.join();
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            versions.add(Json.mapper().readTree(response.body()).get("version").intValue());
        }
        assertThat(versions).doesNotHaveDuplicates().hasSize(50);
        HttpResponse<String> current = send("GET", "/api/workflows/contended", null);
        assertThat(Json.mapper().readTree(current.body()).get("version").intValue()).isEqualTo(51);
        assertThat(current.headers().firstValue("ETag")).hasValue("\"51\"");
        HttpResponse<String> stale = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/workflows/contended"))
                .header("X-API-Key", KEY).header("Content-Type", "application/json").header("If-Match", "\"50\"")
                .PUT(HttpRequest.BodyPublishers.ofString(webhookWorkflow("contended", "late"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stale.statusCode()).isEqualTo(412);
    }

    @Test
    @Order(8)
    void pathTricksAreProblemsNotPages() throws Exception {
        for (String path : List.of("/api/workflows/..%2f..%2fetc%2fpasswd", "/api/secrets/a;b", "/api/workflows/a%00b")) {
            HttpResponse<String> response = send("GET", path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(400);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as(path).startsWith("application/problem+json");
        }
    }

    @Test
    @Order(100)
    void theSystemIsHealthyAtTheEnd() throws Exception {
        aNormalRunCompletes("at_the_end");
    }

    // ------------------------------------------------------------------ helpers

    static void aNormalRunCompletes(String id) throws Exception {
        String workflow = """
                {"id": "%s", "name": "%s", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s/normal/%s", "body": {"who": "{{ who }}"}}}]}
                """.formatted(id, id, sinkUrl, id);
        assertThat(send("POST", "/api/workflows", workflow).statusCode()).isEqualTo(201);
        JsonNode run = awaitFinal(trigger(id));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(received).contains("/normal/" + id);
    }

    static String webhookWorkflow(String id, String template) {
        return """
                {"id": "%s", "name": "%s", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s/bomb", "body": {"text": "%s"}}}]}
                """.formatted(id, id, sinkUrl, template);
    }

    static String trigger(String workflowId) throws Exception {
        HttpResponse<String> response = send("POST", "/api/workflows/" + workflowId + "/trigger", "{\"context\": {\"who\": \"me\"}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return Json.mapper().readTree(response.body()).get("run_id").stringValue();
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(RUN_WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = send("GET", "/api/runs/" + runId, null);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            String status = last[0].get("status").stringValue();
            return status.equals("completed") || status.equals("failed");
        });
        return last[0];
    }

    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("X-API-Key", KEY);
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("X-API-Key", KEY)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The dead-letter reasons on {@code topic}, once there are at least {@code atLeast}. */
    static List<String> deadLetterReasons(String topic, int atLeast) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "hostile-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(RUN_WITHIN).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    Header reason = record.headers().lastHeader(Topics.HEADER_DLT_REASON);
                    reasons.add(reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8));
                }
                return reasons.size() >= atLeast;
            });
        }
        return reasons;
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
