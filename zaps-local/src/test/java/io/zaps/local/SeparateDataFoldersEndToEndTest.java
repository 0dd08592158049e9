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
import io.zaps.store.SecretStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services on separate machines, as far as one JVM can show it: the gateway has its data folder, the trigger
 * service, the executor and the webhook connector each get an empty folder of their own, so the only way a definition
 * reaches them is {@code zaps.workflows}, and a secret {@code zaps.secrets} (all share one {@code ZAPS_MASTER_KEY}, as a
 * deployment on several machines must). A workflow saved through the gateway runs to its end, a new version saved later
 * is what the next run (also one produced straight onto {@code zaps.triggers}) uses, and a workflow a gateway saved
 * before the topic existed (an upgraded data folder) runs too. A webhook step sends a secret the connector gets only
 * from the topic: the new value after a replace, a failure naming it after a delete, and no plain text on the topic.
 */
class SeparateDataFoldersEndToEndTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @TempDir
    static Path root;

    static LocalKafkaBroker broker;
    static final List<ConfigurableApplicationContext> services = new ArrayList<>();
    static HttpServer subscriber;
    static final List<String> received = new CopyOnWriteArrayList<>();
    /** The X-Token header of each call to /secret, in order. */
    static final List<String> tokens = new CopyOnWriteArrayList<>();
    static final String MASTER_KEY = masterKey();
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
            if (exchange.getRequestURI().getPath().equals("/secret")) {
                tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Token")));
            }
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
        Map<String, String> properties = Map.of(SecretStore.MASTER_KEY_ENV, MASTER_KEY);
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

    @Test
    void a_secret_reaches_the_connector_only_through_kafka_encrypted_and_its_replacement_and_delete_follow() throws Exception {
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();
        assertThat(send("PUT", "/api/secrets/hook_token", "{\"value\": \"" + first + "\"}").statusCode()).isEqualTo(201);
        WorkflowDefinition secretive = new WorkflowDefinition("secretive", "secretive", null, "call", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("call", "webhook", Json.object().put("url", hooks + "/secret").put("method", "POST")
                        .set("headers", Json.object().put("X-Token", "{{ secret('hook_token') }}")), null)), null, null, null);
        HttpResponse<String> created = send("POST", "/api/workflows", Json.toString(secretive));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        JsonNode run1 = awaitFinal(trigger("secretive"));
        assertThat(run1.get("status").stringValue()).as(run1.toString()).isEqualTo("completed");
        assertThat(tokens).containsExactly(first);

        assertThat(send("PUT", "/api/secrets/hook_token", "{\"value\": \"" + second + "\"}").statusCode()).isEqualTo(200);
        JsonNode run2 = awaitFinal(trigger("secretive"));
        assertThat(run2.get("status").stringValue()).as(run2.toString()).isEqualTo("completed");
        assertThat(tokens).containsExactly(first, second);

        assertThat(send("DELETE", "/api/secrets/hook_token", null).statusCode()).isEqualTo(204);
        JsonNode run3 = awaitFinal(trigger("secretive"));
        assertThat(run3.get("status").stringValue()).as(run3.toString()).isEqualTo("failed");
        assertThat(run3.toString()).contains("secret 'hook_token' does not exist");
        assertThat(tokens).as("the step failed before calling").hasSize(2);

        // the connector (and the trigger service, the executor) have nothing on disk for it: no secrets/, no key file
        try (Stream<Path> files = Files.walk(connectorData)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> connectorData.relativize(p).toString())).isEmpty();
        }
        for (Path other : List.of(triggerData, executorData, connectorData)) {
            assertThat(other.resolve("secrets")).as(other.toString()).doesNotExist();
        }
        // the topic carries the secret encrypted: neither value in any key, value or header, committed or not
        List<ConsumerRecord<byte[], byte[]>> records = readAll(Topics.SECRETS);
        assertThat(records).filteredOn(r -> "hook_token".equals(new String(r.key(), StandardCharsets.UTF_8))).hasSize(3);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            List<byte[]> parts = new ArrayList<>();
            parts.add(record.key());
            parts.add(record.value());
            record.headers().forEach(h -> parts.add(h.value()));
            for (byte[] part : parts) {
                String raw = part == null ? "" : new String(part, StandardCharsets.ISO_8859_1);
                assertThat(raw).doesNotContain(first).doesNotContain(second)
                        .doesNotContain(Base64.getEncoder().encodeToString(first.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    /** Every record of {@code topic} from the beginning (uncommitted ones too), until its end. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(), ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plus(AT_MOST);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && Instant.now().isBefore(deadline)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String masterKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
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
