package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.trigger.KafkaTrigger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Trigger sources through the whole system ({@code ./zaps up}'s services on one embedded KRaft broker): a cron schedule
 * starts one run per tick, on time, until the workflow is paused; records that another system writes onto its own topic
 * start one run each, with run ids derived from their position in the log. Two trigger-service instances splitting the
 * same work is proven in trigger-service's own tests (ScheduleTwoInstances/TopicTrigger integration tests).
 */
class SourceTriggersEndToEndTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer subscriber;
    static String subscriberUrl;
    static final List<String> calls = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            calls.add(exchange.getRequestURI().getPath() + " " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        subscriber.start();
        subscriberUrl = "http://127.0.0.1:" + subscriber.getAddress().getPort();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, EndToEndTest.freePort(), EndToEndTest.freePort(), null, Map.of()));
    }

    @AfterAll
    static void stop() {
        if (zaps != null) {
            zaps.close();
        }
        if (subscriber != null) {
            subscriber.stop(0);
        }
    }

    @Test
    void aScheduleStartsOneRunPerTickOnTimeUntilPaused() throws Exception {
        String workflow = """
                {"id": "ticker", "name": "Ticker", "entry_point": "tell", "status": "%s",
                 "trigger": {"type": "schedule", "cron": "* * * * * *", "timezone": "Europe/Berlin"},
                 "steps": [{"id": "tell", "type": "webhook", "config": {"url": "%s/tick", "body": {"at": "{{ scheduled_at }}"}}}]}
                """;
        assertThat(send("POST", "/api/workflows", workflow.formatted("active", subscriberUrl)).statusCode()).isEqualTo(201);
        await().atMost(AT_MOST).until(() -> completedRuns("ticker").size() >= 4);
        assertThat(send("PUT", "/api/workflows/ticker", workflow.formatted("paused", subscriberUrl)).statusCode()).isEqualTo(200);
        // let anything already in flight finish, then nothing more may start
        Thread.sleep(2_500);
        List<JsonNode> runs = runs("ticker");
        Thread.sleep(2_000);
        assertThat(runs("ticker")).hasSameSizeAs(runs);

        List<Instant> ticks = new ArrayList<>();
        // A tick that fired while the pause was being stored reaches the trigger intake after it: that run is rejected
        // (failed, naming the pause), never started. At most the last tick can race like that.
        List<JsonNode> rejected = runs.stream().filter(r -> !"completed".equals(r.get("status").stringValue())).toList();
        assertThat(rejected).hasSizeLessThanOrEqualTo(1).allSatisfy(r -> {
            assertThat(r.get("status").stringValue()).isEqualTo("failed");
            assertThat(r.get("error").stringValue()).contains("paused");
        });
        for (JsonNode run : runs) {
            Instant tick = Instant.parse(run.get("context").get("scheduled_at").stringValue());
            Instant fired = Instant.parse(run.get("context").get("fired_at").stringValue());
            System.err.printf("tick %s fired %d ms late%n", tick, Duration.between(tick, fired).toMillis());
            assertThat(Duration.between(tick, fired)).isLessThan(Duration.ofSeconds(1));
            ticks.add(tick);
        }
        ticks.sort(null);
        assertThat(Set.copyOf(ticks)).hasSameSizeAs(ticks); // one run per tick
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i - 1), ticks.get(i))).isEqualTo(Duration.ofSeconds(1)); // no gaps
        }
        if (!rejected.isEmpty()) {
            assertThat(Instant.parse(rejected.get(0).get("context").get("scheduled_at").stringValue())).isEqualTo(ticks.get(ticks.size() - 1));
        }
        assertThat(calls).filteredOn(c -> c.startsWith("/tick ")).hasSize(runs.size() - rejected.size());
    }

    @Test
    void recordsOnAUserTopicStartOneRunEach() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
        }
        assertThat(send("POST", "/api/workflows", """
                {"id": "order_flow", "name": "Orders", "entry_point": "book",
                 "trigger": {"type": "kafka", "topic": "orders", "start_from": "earliest"},
                 "steps": [{"id": "book", "type": "webhook",
                            "config": {"url": "%s/book", "body": {"order": "{{ value.order_id }}", "key": "{{ key }}"}}}]}
                """.formatted(subscriberUrl)).statusCode()).isEqualTo(201);
        List<String> expectedRunIds = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            for (int i = 1; i <= 6; i++) {
                RecordMetadata at = producer.send(new ProducerRecord<>("orders", "customer-" + (i % 3),
                        "{\"order_id\": \"ORD-" + i + "\"}")).get();
                expectedRunIds.add(Ids.runIdForEvent(KafkaTrigger.eventId("order_flow", "orders", at.partition(), at.offset())));
            }
        }
        await().atMost(AT_MOST).until(() -> completedRuns("order_flow").size() == 6);
        Thread.sleep(1_500);
        List<JsonNode> runs = runs("order_flow");
        assertThat(runs).extracting(r -> r.get("run_id").stringValue()).containsExactlyInAnyOrderElementsOf(expectedRunIds);
        assertThat(runs).extracting(r -> r.get("context").get("value").get("order_id").stringValue())
                .containsExactlyInAnyOrder("ORD-1", "ORD-2", "ORD-3", "ORD-4", "ORD-5", "ORD-6");
        assertThat(calls).filteredOn(c -> c.startsWith("/book ")).hasSize(6);
        assertThat(calls).filteredOn(c -> c.contains("\"order\":\"ORD-4\"") && c.contains("\"key\":\"customer-1\"")).hasSize(1);
    }

    private static List<JsonNode> completedRuns(String workflowId) throws Exception {
        return runs(workflowId).stream().filter(r -> "completed".equals(r.get("status").stringValue())).toList();
    }

    private static List<JsonNode> runs(String workflowId) throws Exception {
        HttpResponse<String> response = send("GET", "/api/workflows/" + workflowId + "/runs?limit=1000", null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(response.body());
        JsonNode list = body.isArray() ? body : body.get("runs");
        return StreamSupport.stream(list.spliterator(), false).toList();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
