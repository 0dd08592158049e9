package io.zaps.gateway.catalog;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayApplication;
import io.zaps.gateway.projection.OtherGatewaysRuns;
import io.zaps.gateway.retention.RetentionJob;
import io.zaps.store.FileStore;
import io.zaps.store.RunSummary;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
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
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real gateways on one broker and one data folder, as behind a load balancer: their projectors split the two
 * partitions of {@code zaps.run-events}, and each shows, in its listings, counts, workflow statistics and run stream,
 * the runs the other one projects (its run-event tail reads those partitions). The events are published as the
 * executor publishes them (a transaction, the type and revision headers, the whole snapshot), each on a partition
 * chosen to be the other gateway's.
 */
class SeveralGatewaysTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** What the embedded broker sets as system properties, which the cached gateway context of other classes reads. */
    private static final List<String> SYSTEM_PROPERTIES = List.of("spring.kafka.bootstrap-servers", EmbeddedKafkaKraftBroker.BROKER_LIST_PROPERTY);

    private static final Map<String, String> saved = new HashMap<>();
    private static EmbeddedKafkaKraftBroker broker;
    private static String brokers;
    private static ConfigurableApplicationContext a;
    private static ConfigurableApplicationContext b;

    @BeforeAll
    static void startTwoGateways() throws IOException {
        SYSTEM_PROPERTIES.forEach(name -> saved.put(name, System.getProperty(name)));
        broker = new EmbeddedKafkaKraftBroker(1, 2);
        broker.brokerListProperty("zaps.test.two-gateways.brokers");
        broker.brokerProperties(Map.of("transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1",
                "offsets.topic.replication.factor", "1", "group.initial.rebalance.delay.ms", "0"));
        broker.afterPropertiesSet();
        brokers = broker.getBrokersAsString();
        Path data = Files.createDirectories(Path.of("target", "test-data", "two-gateways-" + UUID.randomUUID())).toAbsolutePath();
        a = start(data);
        b = start(data);
        // the group settles: one partition each
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            Set<Integer> ofA = projected(a);
            Set<Integer> ofB = projected(b);
            Set<Integer> both = new HashSet<>(ofA);
            both.addAll(ofB);
            return ofA.size() == 1 && ofB.size() == 1 && both.size() == 2;
        });
    }

    private static ConfigurableApplicationContext start(Path data) {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class).properties(
                        "spring.config.name=" + GatewayApplication.CONFIG_NAME,
                        "spring.main.banner-mode=off")
                // arguments outrank api-gateway.yml and a spring.kafka.bootstrap-servers another test class left behind
                .run("--spring.kafka.bootstrap-servers=" + brokers,
                        "--server.port=0",
                        "--zaps.gateway.data-dir=" + data,
                        "--zaps.gateway.api-keys=",
                        "--zaps.kafka.partitions=2",
                        "--zaps.kafka.retry-attempts=1",
                        "--zaps.kafka.retry-backoff-ms=50");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> send(context, "GET", "/health", null).statusCode() == 200);
        return context;
    }

    @AfterAll
    static void stop() {
        try {
            if (b != null) {
                b.close();
            }
            if (a != null) {
                a.close();
            }
            if (broker != null) {
                broker.destroy();
            }
        } finally {
            saved.forEach((name, value) -> {
                if (value == null) {
                    System.clearProperty(name);
                } else {
                    System.setProperty(name, value);
                }
            });
            System.clearProperty("zaps.test.two-gateways.brokers");
        }
    }

    private static Set<Integer> projected(ConfigurableApplicationContext gateway) {
        return gateway.getBean(OtherGatewaysRuns.class).projected();
    }

    @Test
    void aRunProjectedByTheOtherGatewayIsListedCountedAndStreamedOnBoth() throws Exception {
        int ofA = projected(a).iterator().next();
        int ofB = projected(b).iterator().next();
        String workflow = "two_gw_" + UUID.randomUUID().toString().substring(0, 8);
        String definition = """
                {"id": "%s", "name": "seen everywhere", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}}]}
                """.formatted(workflow);
        assertThat(send(a, "POST", "/api/workflows", definition).statusCode()).isEqualTo(201);

        String onB = UUID.randomUUID().toString(); // projected by B, to be seen on A
        String onA = UUID.randomUUID().toString(); // projected by A, to be seen on B
        Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (RunStreamReader streamOfA = streamOf(a, "/api/runs/stream?workflow_id=" + workflow);
             RunStreamReader streamOfB = streamOf(b, "/api/runs/stream?workflow_id=" + workflow);
             KafkaProducer<String, byte[]> executor = transactionalProducer()) {
            executor.initTransactions();
            executor.beginTransaction();
            executor.send(event(ofB, onB, workflow, RunEventType.RUN_STARTED, RunStatus.RUNNING, 1, created));
            executor.send(event(ofA, onA, workflow, RunEventType.RUN_STARTED, RunStatus.RUNNING, 1, created));
            executor.commitTransaction();
            executor.beginTransaction();
            executor.send(event(ofB, onB, workflow, RunEventType.RUN_COMPLETED, RunStatus.COMPLETED, 2, created));
            executor.send(event(ofA, onA, workflow, RunEventType.RUN_FAILED, RunStatus.FAILED, 2, created));
            executor.commitTransaction();

            assertThat(streamOfA.awaitRun(onB, "completed").get("duration_ms").longValue()).isEqualTo(1_500);
            assertThat(streamOfB.awaitRun(onA, "failed").get("error").stringValue()).isEqualTo("boom");
            // each also streams its own partition's run, written by its projector
            streamOfA.awaitRun(onA, "failed");
            streamOfB.awaitRun(onB, "completed");
        }

        for (ConfigurableApplicationContext gateway : new ConfigurableApplicationContext[]{a, b}) {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                JsonNode page = json(send(gateway, "GET", "/api/runs?workflow_id=" + workflow, null));
                assertThat(page.get("runs")).hasSize(2);
                assertThat(statusOf(page, onB)).isEqualTo("completed");
                assertThat(statusOf(page, onA)).isEqualTo("failed");
                assertThat(page.get("counts").get("completed").intValue()).isEqualTo(1);
                assertThat(page.get("counts").get("failed").intValue()).isEqualTo(1);
            });
            JsonNode stats = null;
            for (JsonNode summary : json(send(gateway, "GET", "/api/workflows?with=stats", null))) {
                if (summary.get("id").stringValue().equals(workflow)) {
                    stats = summary;
                }
            }
            assertThat(stats).as("workflow statistics of %s", workflow).isNotNull();
            assertThat(stats.get("runs_24h").intValue()).isEqualTo(2);
            assertThat(stats.get("success_rate_24h").doubleValue()).isEqualTo(0.5);
            assertThat(stats.get("last_run").get("run_id").stringValue()).isIn(onA, onB);
            // and the run itself, from the shared folder, once its projector wrote it
            await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(json(send(gateway, "GET", "/api/runs/" + onB, null)).get("status").stringValue())
                            .isEqualTo("completed"));
        }
        assertThat(projected(a)).as("no rebalance meanwhile: A never projected B's partition").containsExactly(ofA);
        assertThat(projected(b)).containsExactly(ofB);
    }

    @Test
    void aRunDeletedByTheOtherGatewaysRetentionLeavesBothListings() throws IOException {
        String workflow = "two_gw_old_" + UUID.randomUUID().toString().substring(0, 8);
        String old = UUID.randomUUID().toString();
        Instant finished = Instant.now().minus(Duration.ofDays(40)).truncatedTo(ChronoUnit.MILLIS);
        FileStore files = a.getBean(FileStore.class);
        RunSnapshot snapshot = new RunSnapshot(old, workflow, 1, RunStatus.COMPLETED, finished.minusSeconds(5), finished.minusSeconds(5),
                finished, finished, Json.object(), Map.of(), null, null, 3);
        assertThat(files.saveRunIfNewer(snapshot)).isTrue();
        Files.setLastModifiedTime(files.runFile(old), java.nio.file.attribute.FileTime.from(finished));
        for (ConfigurableApplicationContext gateway : new ConfigurableApplicationContext[]{a, b}) {
            gateway.getBean(RunCatalog.class).put(RunSummary.of(snapshot)); // as the start-up scan of each found it
            assertThat(json(send(gateway, "GET", "/api/runs?workflow_id=" + workflow, null)).get("runs")).hasSize(1);
        }

        assertThat(a.getBean(RetentionJob.class).runOnce().runs()).isEqualTo(1);
        assertThat(json(send(a, "GET", "/api/runs?workflow_id=" + workflow, null)).get("runs")).isEmpty();
        assertThat(json(send(b, "GET", "/api/runs?workflow_id=" + workflow, null)).get("runs")).as("B has not looked yet").hasSize(1);

        assertThat(b.getBean(RetentionJob.class).forgetDeletedElsewhere()).isEqualTo(1); // its hourly sweep
        assertThat(json(send(b, "GET", "/api/runs?workflow_id=" + workflow, null)).get("runs")).isEmpty();
    }

    private static String statusOf(JsonNode page, String runId) {
        for (JsonNode run : page.get("runs")) {
            if (run.get("run_id").stringValue().equals(runId)) {
                return run.get("status").stringValue();
            }
        }
        return null;
    }

    /** A run event as the executor publishes it, on the given partition. */
    private static ProducerRecord<String, byte[]> event(int partition, String runId, String workflow, RunEventType type, RunStatus status,
                                                        long revision, Instant created) {
        RunSnapshot run = new RunSnapshot(runId, workflow, 1, status, created, created, status.isFinal() ? created.plusMillis(1_500) : null,
                created, Json.object().put("invoice_id", "INV-1"), Map.of(), "wait", status == RunStatus.FAILED ? "boom" : null, revision);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RUN_EVENTS, partition, runId,
                Json.toBytes(new RunEvent(type, SchemaVersions.CURRENT, runId, null, created, run)));
        record.headers().add(Topics.HEADER_EVENT_TYPE, type.wireName().getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_REVISION, Long.toString(revision).getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static KafkaProducer<String, byte[]> transactionalProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "two-gateways-test-" + UUID.randomUUID(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static int port(ConfigurableApplicationContext gateway) {
        return Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body());
    }

    private static HttpResponse<String> send(ConfigurableApplicationContext gateway, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(gateway) + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static RunStreamReader streamOf(ConfigurableApplicationContext gateway, String path) throws Exception {
        RunStreamReader reader = new RunStreamReader("http://127.0.0.1:" + port(gateway) + path, Map.of(), WAIT);
        assertThat(reader.response.statusCode()).isEqualTo(200);
        return reader;
    }
}
