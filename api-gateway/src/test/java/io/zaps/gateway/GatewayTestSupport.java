package io.zaps.gateway;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.event.TriggerRequested;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
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
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One gateway context and one embedded KRaft broker for every integration test class: each class
 * extends this and adds nothing that would change the context, so Spring's test context cache shares
 * them. API keys are configured, so requests send {@link #API_KEY} unless a test says otherwise.
 */
@SpringBootTest(useMainMethod = SpringBootTest.UseMainMethod.ALWAYS, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "zaps.gateway.api-keys=" + GatewayTestSupport.API_KEY + ", " + GatewayTestSupport.OTHER_KEY,
        "zaps.gateway.max-list-size=500",
        "zaps.gateway.cors-allowed-origins=" + GatewayTestSupport.ALLOWED_ORIGIN,
        "zaps.kafka.partitions=2",
        "zaps.kafka.retry-attempts=1",
        "zaps.kafka.retry-backoff-ms=50",
        // No executor runs here, so no run ends: with the default 60 s a run accepted by an earlier test class stopped
        // counting at a random moment, freeing a place in AdmissionApiTest's full gate between its fill and its check.
        "zaps.gateway.admission.count-for=1h"
})
@EmbeddedKafka(partitions = 2)
public abstract class GatewayTestSupport {
    public static final String API_KEY = "test-key-one";
    public static final String OTHER_KEY = "test-key-two";
    public static final String ALLOWED_ORIGIN = "http://console.zaps.test";

    /** Under target/ so nothing outside the build folder is ever touched. */
    protected static final Path DATA_DIR = newDataDir();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @LocalServerPort
    protected int port;

    @Value("${spring.kafka.bootstrap-servers}")
    protected String brokers;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("zaps.gateway.data-dir", DATA_DIR::toString);
    }

    /** Every test starts on a ready gateway (Kafka answering, its listeners assigned), as the launcher's do. */
    @BeforeEach
    void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> send("GET", "/health", null, Map.of()).status() == 200);
    }

    private static Path newDataDir() {
        try {
            return Files.createDirectories(Path.of("target", "test-data", UUID.randomUUID().toString())).toAbsolutePath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- HTTP

    public record Response(int status, HttpResponse<String> raw) {
        public JsonNode json() {
            return Json.mapper().readTree(raw.body());
        }

        public String contentType() {
            return raw.headers().firstValue("Content-Type").orElse("");
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String body() {
            return raw.body();
        }
    }

    protected Response get(String path) {
        return send("GET", path, null, Map.of("X-API-Key", API_KEY));
    }

    protected Response post(String path, String json) {
        return send("POST", path, json, Map.of("X-API-Key", API_KEY, "Content-Type", "application/json"));
    }

    protected Response put(String path, String json) {
        return send("PUT", path, json, Map.of("X-API-Key", API_KEY, "Content-Type", "application/json"));
    }

    protected Response delete(String path) {
        return send("DELETE", path, null, Map.of("X-API-Key", API_KEY));
    }

    protected Response send(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response);
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A problem+json answer with the status; when {@code field} is given, errors[0].field names it. */
    protected static void assertProblem(Response response, int status, String field) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").intValue()).isEqualTo(status);
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(problem.toString()).doesNotContain("at io.zaps").doesNotContain("Exception:");
        if (field != null) {
            assertThat(problem.get("errors").get(0).get("field").stringValue()).isEqualTo(field);
            assertThat(problem.get("detail").stringValue()).contains(field);
        }
    }

    // ---------------------------------------------------------------- fixtures

    /** A valid two-step definition (delay, then webhook) with the given id and status. */
    protected static String workflowJson(String id, String status) {
        return """
                {
                  "id": "%s",
                  "name": "Invoice Reminder Workflow",
                  "description": null,
                  "entry_point": "delay_step",
                  "status": "%s",
                  "steps": [
                    {"id": "delay_step", "type": "delay", "config": {"seconds": 2}, "next_step_id": "send_reminder"},
                    {"id": "send_reminder", "type": "webhook",
                     "config": {"url": "http://127.0.0.1:8001/notify", "method": "POST", "headers": {},
                                "body": {"to": "{{customer_email}}", "invoice_id": "{{invoice_id}}"}},
                     "next_step_id": null}
                  ],
                  "created_at": "2001-01-01T00:00:00Z", "updated_at": "2001-01-01T00:00:00Z", "version": 42
                }
                """.formatted(id, status);
    }

    protected static String uniqueId(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    }

    // ---------------------------------------------------------------- Kafka

    /**
     * A run event as the executor publishes it, with the whole snapshot: one delay step running, a context, started
     * 10 ms after {@code created} and, when final, completed 1,500 ms after it started.
     */
    protected static ProducerRecord<String, byte[]> runEvent(String runId, String workflowId, RunStatus status, long revision, Instant created) {
        StepState wait = StepState.pending("wait", "delay").running(1, Json.object().put("seconds", 5), created);
        boolean done = status.isFinal();
        RunSnapshot snapshot = new RunSnapshot(runId, workflowId, 1, status, created, created.plusMillis(10),
                done ? created.plusMillis(1510) : null, created.plusSeconds(revision), Json.object().put("secret_ish", "context"),
                Map.of("wait", wait), "wait", status == RunStatus.FAILED ? "boom" : null, revision);
        RunEvent event = new RunEvent(RunEventType.STEP_STARTED, SchemaVersions.CURRENT, runId, "wait", created, snapshot);
        return new ProducerRecord<>(Topics.RUN_EVENTS, runId, Json.toBytes(event));
    }

    protected KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads {@code topic} from the beginning until a record matches, or fails after {@code timeout}. */
    protected ConsumerRecord<String, byte[]> awaitRecord(String topic, Predicate<ConsumerRecord<String, byte[]>> match, Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            Instant deadline = Instant.now().plus(timeout);
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty() && Instant.now().isBefore(deadline)) {
                partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (match.test(record)) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no matching record on " + topic + " within " + timeout);
    }

    /** Every trigger of the workflow on {@link Topics#TRIGGERS}, read from the beginning to the current end (bounded). */
    protected List<TriggerRequested> triggersOf(String workflowId) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.TRIGGERS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.TRIGGERS, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // Each trigger was acknowledged before its answer, so the end offsets already cover them.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<TriggerRequested> result = new ArrayList<>();
            Instant deadline = Instant.now().plusSeconds(30);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(Instant.now()).as("reading " + Topics.TRIGGERS).isBefore(deadline);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    TriggerRequested trigger = Json.read(record.value(), TriggerRequested.class);
                    if (workflowId.equals(trigger.workflowId())) {
                        result.add(trigger);
                    }
                }
            }
            return result;
        }
    }
}
