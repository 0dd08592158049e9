package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.local.ZapsSystem.Service;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services on separate machines, as far as one JVM can show it: the gateway has its data folder, the trigger
 * service, the executor and the webhook connector each get an empty folder of their own, so the only way a definition
 * reaches them is {@code zaps.workflows}. A workflow saved through the gateway runs to its end, a new version saved later
 * is what the next run (also one produced straight onto {@code zaps.triggers}) uses, and a workflow a gateway saved
 * before the topic existed (an upgraded data folder) runs too.
 */
class SeparateDataFoldersEndToEndTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @TempDir
    static Path root;

    static LocalKafkaBroker broker;
    static final List<ConfigurableApplicationContext> services = new ArrayList<>();
    static HttpServer subscriber;
    static final List<String> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();
    static String gateway;
    static String hooks;
    static Path gatewayData;
    static Path triggerData;
    static Path executorData;
    static Path connectorData;

    @BeforeAll
    static void startEverything() throws IOException {
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestURI().getPath());
            byte[] answer = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        subscriber.start();
        hooks = "http://127.0.0.1:" + subscriber.getAddress().getPort();

        gatewayData = Files.createDirectories(root.resolve("gateway"));
        triggerData = Files.createDirectories(root.resolve("trigger"));
        executorData = Files.createDirectories(root.resolve("executor"));
        connectorData = Files.createDirectories(root.resolve("connector"));
        // Saved by a gateway from before zaps.workflows existed: only in the gateway's files.
        new FileStore(gatewayData).saveWorkflowVersion(workflow("legacy", 1, hooks + "/legacy"));

        broker = new LocalKafkaBroker(root.resolve("broker"), freePort(), freePort()).start();
        int httpPort = freePort();
        Map<String, String> properties = Map.of();
        services.add(ZapsSystem.startService(Service.EXECUTOR, executorData, broker.bootstrapServers(), httpPort, properties));
        services.add(ZapsSystem.startService(Service.CONNECTOR_WEBHOOK, connectorData, broker.bootstrapServers(), httpPort, properties));
        services.add(ZapsSystem.startService(Service.TRIGGER, triggerData, broker.bootstrapServers(), httpPort, properties));
        services.add(ZapsSystem.startService(Service.GATEWAY, gatewayData, broker.bootstrapServers(), httpPort, properties));
        gateway = "http://localhost:" + httpPort;
    }

    @AfterAll
    static void stopEverything() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (broker != null) {
            broker.close();
        }
        if (subscriber != null) {
            subscriber.stop(0);
        }
    }

    @Test
    void runs_use_the_definitions_from_kafka_and_a_later_version_is_used_by_the_next_run() throws Exception {
        // a data folder from before the upgrade: the gateway published it at start-up
        JsonNode legacy = awaitFinal(trigger("legacy"));
        assertThat(legacy.get("status").stringValue()).as(legacy.toString()).isEqualTo("completed");
        assertThat(received).contains("/legacy");

        HttpResponse<String> created = send("POST", "/api/workflows", Json.toString(workflow("hooked", null, hooks + "/v1")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode first = awaitFinal(trigger("hooked")); // at once: the trigger names version 1
        assertThat(first.get("status").stringValue()).as(first.toString()).isEqualTo("completed");
        assertThat(first.get("workflow_version").intValue()).isEqualTo(1);

        HttpResponse<String> updated = send("PUT", "/api/workflows/hooked", Json.toString(workflow("hooked", null, hooks + "/v2")));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        JsonNode second = awaitFinal(trigger("hooked"));
        assertThat(second.get("status").stringValue()).as(second.toString()).isEqualTo("completed");
        assertThat(second.get("workflow_version").intValue()).isEqualTo(2);
        assertThat(received).containsSubsequence("/v1", "/v2");

        // an outside producer names no version: the trigger service catches up with zaps.workflows first
        HttpResponse<String> third = send("PUT", "/api/workflows/hooked", Json.toString(workflow("hooked", null, hooks + "/v3")));
        assertThat(third.statusCode()).isEqualTo(200);
        String eventId = "outside-" + Instant.now().toEpochMilli();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, eventId, Json.toBytes(
                    TriggerRequested.of(eventId, null, "hooked", Json.object(), "kafka", Instant.now())))).get();
        }
        JsonNode outside = awaitFinal(Ids.runIdForEvent(eventId));
        assertThat(outside.get("workflow_version").intValue()).isEqualTo(3);
        assertThat(received).contains("/v3");

        // a paused workflow is refused by the trigger service too, from what Kafka told it
        assertThat(send("PUT", "/api/workflows/hooked/status", "{\"status\": \"paused\"}").statusCode()).isEqualTo(200);
        String paused = "paused-" + Instant.now().toEpochMilli();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, paused, Json.toBytes(
                    TriggerRequested.of(paused, null, "hooked", Json.object(), "kafka", Instant.now())))).get();
        }
        JsonNode rejected = awaitFinal(Ids.runIdForEvent(paused));
        assertThat(rejected.get("status").stringValue()).isEqualTo("failed");

        // nothing but the gateway's folder holds a workflow or a run
        for (Path other : List.of(triggerData, executorData, connectorData)) {
            try (Stream<Path> files = Files.walk(other)) {
                assertThat(files.map(p -> other.relativize(p).toString()))
                        .as(other.toString()).noneMatch(name -> name.startsWith("workflow") && name.endsWith(".json"));
            }
        }
    }

    private static WorkflowDefinition workflow(String id, Integer version, String url) {
        Instant now = version == null ? null : Instant.parse("2026-01-02T03:04:05Z");
        return new WorkflowDefinition(id, id, null, "call", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("call", "webhook", Json.object().put("url", url).put("method", "POST"), null)),
                version, now, now);
    }

    private static String trigger(String workflowId) throws Exception {
        HttpResponse<String> accepted = send("POST", "/api/workflows/" + workflowId + "/trigger", "{\"context\": {}}");
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    private static JsonNode awaitFinal(String runId) {
        return await().atMost(AT_MOST).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = send("GET", "/api/runs/" + runId, null);
            return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : null;
        }, run -> run != null && List.of("completed", "failed", "cancelled").contains(run.get("status").stringValue()));
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        }
    }
}
