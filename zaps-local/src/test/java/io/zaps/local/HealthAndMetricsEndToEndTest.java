package io.zaps.local;

import io.zaps.contract.Json;
import io.zaps.executor.stream.ExecutorStreams;
import io.zaps.contract.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readiness in the all-in-one launcher means every service can do its job: with the executor's streams
 * held back, the gateway's readiness (and {@code /health}) stay down however long the rest has been up;
 * once the streams run, both come up. Liveness does not depend on it. Then the gateway's
 * {@code /actuator/prometheus} counts runs and dead letters of every service in the process.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthAndMetricsEndToEndTest {
    private static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;

    @BeforeAll
    static void startEverythingButTheExecutorsStreams() throws IOException {
        zaps = ZapsSystem.startUnready(new ZapsSystem.Settings(dataDir, 0, ControlFlowEndToEndTest.freePort(), ControlFlowEndToEndTest.freePort(),
                null, Map.of("zaps.executor.auto-startup", "false")));
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
    }

    @Test
    @Order(1)
    void readyOnlyOnceTheExecutorsStreamsRun() throws Exception {
        // Everything but the executor's streams gets ready: Kafka answers, the listeners are assigned.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode readiness = json(get("/actuator/health/readiness"));
            JsonNode services = readiness.get("components").get("services").get("components");
            assertThat(services.get("connector-webhook").get("status").stringValue()).isEqualTo("UP");
            assertThat(services.get("trigger-service").get("status").stringValue()).isEqualTo("UP");
            assertThat(readiness.get("components").get("kafka").get("status").stringValue()).isEqualTo("UP");
            assertThat(readiness.get("components").get("listeners").get("status").stringValue()).isEqualTo("UP");
        });

        HttpResponse<String> readiness = get("/actuator/health/readiness");
        assertThat(readiness.statusCode()).isEqualTo(503);
        JsonNode executor = json(readiness).get("components").get("services").get("components").get("executor-service");
        assertThat(executor.get("status").stringValue()).isEqualTo("DOWN");
        assertThat(executor.get("details").get("not_up").toString()).contains("streams").contains("NOT_RUNNING");

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(json(health).get("detail").stringValue()).contains("services/executor-service");

        assertThat(get("/actuator/health/liveness").statusCode()).as("alive though not ready").isEqualTo(200);

        zaps.context(ZapsSystem.Service.EXECUTOR).getBean(ExecutorStreams.class).start();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> get("/actuator/health/readiness").statusCode() == 200);
        assertThat(json(get("/actuator/health/readiness")).get("components").get("services").get("components")
                .get("executor-service").get("status").stringValue()).isEqualTo("UP");
        HttpResponse<String> ok = get("/health");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("status").stringValue()).isEqualTo("ok");
        zaps.awaitReady(Duration.ofSeconds(5));
    }

    @Test
    @Order(2)
    void prometheusCountsRunsAndDeadLettersOfEveryService() throws Exception {
        zaps.awaitReady(Duration.ofSeconds(60));
        HttpResponse<String> created = post("/api/workflows", """
                {"id": "metered", "name": "Metered", "entry_point": "shape",
                 "steps": [{"id": "shape", "type": "transform", "config": {"output": {"done": true}}}]}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        for (int i = 0; i < 2; i++) {
            assertThat(post("/api/workflows/metered/trigger", "{\"context\": {}}").statusCode()).isEqualTo(202);
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            // a step request no connector can read: the shared error handler (zaps-kafka) dead-letters it
            producer.send(new ProducerRecord<>(Topics.stepRequests("webhook"), "poison", "{not json".getBytes(StandardCharsets.UTF_8))).get();
        }

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            HttpResponse<String> scrape = get("/actuator/prometheus");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body())
                    .contains("zaps_runs_started_total{workflow=\"metered\"} 2.0")
                    .contains("zaps_runs_finished_total{status=\"completed\",workflow=\"metered\"} 2.0")
                    .contains("zaps_dead_letters_total{topic=\"zaps.step-requests.webhook\"} 1.0")
                    .contains("jvm_memory_used_bytes").contains("kafka_consumer_");
        });
    }

    private static HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return Json.mapper().readTree(response.body());
    }
}
