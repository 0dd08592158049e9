package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.connector.pdf.PdfConnectorApplication;
import io.zaps.contract.Json;
import io.zaps.kafka.health.Readiness;
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
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readiness in the all-in-one launcher means every service can do its job: with the executor's streams
 * held back, the gateway's readiness (and {@code /health}) stay down however long the rest has been up;
 * once the streams run, both come up. Liveness does not depend on it. Then the gateway's
 * {@code /actuator/prometheus} counts runs and dead letters of every service in the process, and after a run with a
 * delay and a retried webhook step shows step attempts, retries, timer and projector lag, run latency, Kafka Streams
 * and consumer-lag meters with sensible values; every metric the Grafana dashboard queries is among them. A service
 * deployed alone (its main class's profile) serves its own health and metrics on its management port.
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

    @Test
    @Order(3)
    void aRunWithADelayAndARetriedStepShowsStepTimerProjectorAndLatencyMeters() throws Exception {
        zaps.awaitReady(Duration.ofSeconds(60));
        AtomicInteger calls = new AtomicInteger();
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/flaky", exchange -> {
            exchange.getRequestBody().readAllBytes();
            int status = calls.incrementAndGet() == 1 ? 503 : 200; // the first attempt fails retryably
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        target.start();
        try {
            HttpResponse<String> created = post("/api/workflows", """
                    {"id": "retried", "name": "Retried", "entry_point": "wait",
                     "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}, "next_step_id": "call"},
                               {"id": "call", "type": "webhook", "config": {"url": "http://127.0.0.1:%d/flaky", "body": {"n": 1}},
                                "retry": {"max_attempts": 3, "initial_interval": 1, "jitter": 0}}]}"""
                    .formatted(target.getAddress().getPort()));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(post("/api/workflows/retried/trigger", "{\"context\": {}}").statusCode()).isEqualTo(202);
            // dead letters the trigger service and the executor write themselves
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.TRIGGERS, "x", "{\"workflow_id\": \"no_such_workflow\"}".getBytes(StandardCharsets.UTF_8))).get();
                producer.send(new ProducerRecord<>(Topics.RUN_COMMANDS, "poison", "{not json".getBytes(StandardCharsets.UTF_8))).get();
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                String metrics = get("/actuator/prometheus").body();
                assertThat(value(metrics, "zaps_runs_finished_total{status=\"completed\",workflow=\"retried\"}")).isEqualTo(1.0);
                assertThat(value(metrics, "zaps_step_retries_total{type=\"webhook\"}")).isEqualTo(1.0);
                assertThat(value(metrics, "zaps_dead_letters_total{topic=\"zaps.triggers\"}")).isEqualTo(1.0);
                assertThat(value(metrics, "zaps_dead_letters_total{topic=\"zaps.run-commands\"}")).isEqualTo(1.0);
            });
            String metrics = get("/actuator/prometheus").body();
            assertThat(calls.get()).isEqualTo(2);
            // the delay's attempt took its second; the webhook's two attempts each ended once, one failed, one succeeded
            assertThat(value(metrics, "zaps_step_attempt_seconds_count{outcome=\"succeeded\",type=\"delay\"}")).isEqualTo(1.0);
            assertThat(value(metrics, "zaps_step_attempt_seconds_sum{outcome=\"succeeded\",type=\"delay\"}")).isBetween(1.0, 10.0);
            assertThat(value(metrics, "zaps_step_attempt_seconds_count{outcome=\"failed\",type=\"webhook\"}")).isEqualTo(1.0);
            assertThat(value(metrics, "zaps_step_attempt_seconds_count{outcome=\"succeeded\",type=\"webhook\"}")).isEqualTo(1.0);
            assertThat(value(metrics, "zaps_step_attempt_seconds_bucket{outcome=\"succeeded\",type=\"delay\",le=\"+Inf\"}")).isEqualTo(1.0);
            // the delay's timer and the retry's timer fired, each late by less than the test's patience
            assertThat(value(metrics, "zaps_timer_lag_seconds_count{kind=\"delay\"}")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(metrics, "zaps_timer_lag_seconds_count{kind=\"retry\"}")).isGreaterThanOrEqualTo(1.0);
            assertThat(value(metrics, "zaps_timer_lag_seconds_max{kind=\"delay\"}")).isBetween(0.0, 30.0);
            // trigger to end: at least the delay and the retry's backoff, one second each
            assertThat(value(metrics, "zaps_run_latency_seconds_count{workflow=\"retried\"}")).isEqualTo(1.0);
            assertThat(value(metrics, "zaps_run_latency_seconds_sum{workflow=\"retried\"}")).isBetween(2.0, 60.0);
            assertThat(value(metrics, "zaps_projector_lag_seconds_count")).isGreaterThan(0.0);
            assertThat(value(metrics, "zaps_projector_lag_seconds_max")).isBetween(0.0, 30.0);
            // Kafka Streams' own meters and consumer lag, of the executor's streams and the other services' consumers
            assertThat(metrics).contains("kafka_stream_thread_process_rate");
            assertThat(Pattern.compile("(?m)^kafka_consumer_fetch_manager_records_lag_max\\{client_id=\"zaps-executor[^\"]*StreamThread[^\"]*consumer\"")
                    .matcher(metrics).find()).as("the executor's streams' consumer lag, next to the other services'").isTrue();
            assertThat(Pattern.compile("(?m)^kafka_consumer_fetch_manager_records_lag_max\\{client_id=\"consumer-zaps-connector-webhook")
                    .matcher(metrics).find()).as("a connector's consumer lag").isTrue();
            Files.writeString(Path.of("target", "prometheus-scrape.txt"), metrics);
        } finally {
            target.stop(0);
        }
    }

    @Test
    @Order(4)
    void everyMetricTheDashboardQueriesIsScraped() throws Exception {
        zaps.awaitReady(Duration.ofSeconds(60));
        String metrics = get("/actuator/prometheus").body();
        Set<String> names = DashboardMetrics.metricNames(Files.readString(DashboardMetrics.DASHBOARD));
        assertThat(names).as("the dashboard queries Zaps' meters").contains("zaps_runs_started_total", "zaps_step_retries_total");
        for (String name : names) {
            assertThat(Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(metrics).find())
                    .as("%s, queried by the dashboard, is in /actuator/prometheus", name).isTrue();
        }
    }

    @Test
    @Order(5)
    void aServiceDeployedAloneServesItsOwnHealthAndMetricsOnItsManagementPort() throws Exception {
        int port = ControlFlowEndToEndTest.freePort();
        SpringApplication pdf = PdfConnectorApplication.application();
        pdf.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        try (ConfigurableApplicationContext alone = pdf.run("--ZAPS_BOOTSTRAP_SERVERS=" + zaps.bootstrapServers(),
                "--ZAPS_DATA_DIR=" + dataDir, "--ZAPS_MANAGEMENT_PORT=" + port)) {
            String base = "http://localhost:" + port;
            // Its own readiness, from its own parts. Whether it is ready depends on whether the group gave it partitions:
            // next to the all-in-one's connector-pdf (6 consumers for 6 partitions) it may get none, and then says so.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class)
                    .untilAsserted(() -> {
                        HttpResponse<String> readiness = getAt(base + "/actuator/health/readiness");
                        JsonNode parts = json(readiness).get("components");
                        assertThat(parts.get("kafka").get("status").stringValue()).as(readiness.body()).isEqualTo("UP");
                        assertThat(parts.get("readinessState").get("status").stringValue()).isEqualTo("UP");
                        assertThat(parts.get("listeners").get("details").has("zaps-connector-pdf_extract")).isTrue();
                        boolean assigned = "UP".equals(parts.get("listeners").get("status").stringValue());
                        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(assigned ? 200 : 503);
                        assertThat(parts.has("services")).as("not the all-in-one's view of every service").isFalse();
                    });
            assertThat(getAt(base + "/actuator/health/liveness").statusCode()).isEqualTo(200);
            HttpResponse<String> scrape = getAt(base + "/actuator/prometheus");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("jvm_memory_used_bytes").contains("kafka_consumer_");
        }
    }

    /** The sample's value in a Prometheus scrape, or NaN when it is not there. */
    static double value(String scrape, String sample) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)").matcher(scrape);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
    }

    private static HttpResponse<String> getAt(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
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
