package io.zaps.local;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.gateway.projection.OtherGatewaysRuns;
import io.zaps.local.ZapsSystem.Service;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateways behind an imagined load balancer, on one broker and one data folder, with the real trigger service and
 * executor: runs triggered through gateway A whose {@code zaps.run-events} partition gateway B projects are listed by
 * A with their final status and reach A's run stream, and B lists A's; each gateway's projector holds only its share
 * of the partitions throughout.
 */
class SeveralGatewaysEndToEndTest {
    private static final Duration AT_MOST = Duration.ofSeconds(90);
    private static final int RUNS = 12;

    @TempDir
    static Path root;

    static LocalKafkaBroker broker;
    static final List<ConfigurableApplicationContext> services = new ArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();
    static ConfigurableApplicationContext gatewayA;
    static ConfigurableApplicationContext gatewayB;

    @BeforeAll
    static void startEverything() throws IOException {
        Path shared = Files.createDirectories(root.resolve("gateways"));
        broker = new LocalKafkaBroker(root.resolve("broker"), freePort(), freePort()).start();
        int portA = freePort();
        services.add(ZapsSystem.startService(Service.EXECUTOR, Files.createDirectories(root.resolve("executor")), broker.bootstrapServers(),
                portA, Map.of()));
        services.add(ZapsSystem.startService(Service.TRIGGER, Files.createDirectories(root.resolve("trigger")), broker.bootstrapServers(),
                portA, Map.of()));
        // Two instances of one service: each its own instance id (the launcher derives one from the data folder)
        gatewayA = ZapsSystem.startService(Service.GATEWAY, shared, broker.bootstrapServers(), portA, Map.of("ZAPS_INSTANCE_ID", "gateway-a"));
        services.add(gatewayA);
        gatewayB = ZapsSystem.startService(Service.GATEWAY, shared, broker.bootstrapServers(), freePort(), Map.of("ZAPS_INSTANCE_ID", "gateway-b"));
        services.add(gatewayB);
        await().atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).until(() -> {
            Set<Integer> a = projected(gatewayA);
            Set<Integer> b = projected(gatewayB);
            Set<Integer> all = new HashSet<>(a);
            all.addAll(b);
            return !a.isEmpty() && !b.isEmpty() && all.size() == a.size() + b.size() && all.size() == partitions();
        });
    }

    @AfterAll
    static void stopEverything() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eachGatewayListsAndStreamsTheRunsTheOtherOneProjects() throws Exception {
        Set<Integer> ofA = Set.copyOf(projected(gatewayA));
        Set<Integer> ofB = Set.copyOf(projected(gatewayB));
        String workflow = "everywhere";
        String definition = """
                {"id": "%s", "name": "seen on every gateway", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}}]}
                """.formatted(workflow);
        assertThat(send(gatewayA, "POST", "/api/workflows", definition).statusCode()).isEqualTo(201);

        List<String> runs = new ArrayList<>();
        try (RunStream streamOfA = new RunStream(gatewayA, "/api/runs/stream?workflow_id=" + workflow)) {
            for (int i = 0; i < RUNS; i++) {
                HttpResponse<String> accepted = send(gatewayA, "POST", "/api/workflows/" + workflow + "/trigger", "{\"context\": {}}");
                assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
                runs.add(Json.mapper().readTree(accepted.body()).get("run_id").stringValue());
            }
            Map<String, Integer> partitionOf = partitionsOf(runs);
            List<String> projectedByB = runs.stream().filter(run -> ofB.contains(partitionOf.get(run))).toList();
            List<String> projectedByA = runs.stream().filter(run -> ofA.contains(partitionOf.get(run))).toList();
            assertThat(projectedByB).as("%d runs over %d partitions, B holds %s", RUNS, partitions(), ofB).isNotEmpty();
            assertThat(projectedByA).isNotEmpty();

            for (ConfigurableApplicationContext gateway : List.of(gatewayA, gatewayB)) {
                await().atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                    JsonNode page = Json.mapper().readTree(send(gateway, "GET", "/api/runs?workflow_id=" + workflow + "&limit=100", null).body());
                    Map<String, String> listed = new HashMap<>();
                    page.get("runs").forEach(run -> listed.put(run.get("run_id").stringValue(), run.get("status").stringValue()));
                    assertThat(listed).hasSize(RUNS);
                    assertThat(Set.copyOf(listed.values())).containsExactly("completed");
                    assertThat(page.get("counts").get("completed").intValue()).isEqualTo(RUNS);
                });
            }
            for (String run : projectedByB) {
                streamOfA.await(run, "completed");
            }
        }
        assertThat(projected(gatewayA)).as("no rebalance meanwhile").isEqualTo(ofA);
        assertThat(projected(gatewayB)).isEqualTo(ofB);
    }

    private static Set<Integer> projected(ConfigurableApplicationContext gateway) {
        return gateway.getBean(OtherGatewaysRuns.class).projected();
    }

    private static int partitions() {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return consumer.partitionsFor(Topics.RUN_EVENTS, Duration.ofSeconds(10)).size();
        }
    }

    /** Where the executor put each run's events, read from the topic. */
    private static Map<String, Integer> partitionsOf(List<String> runs) {
        Map<String, Integer> found = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> all = consumer.partitionsFor(Topics.RUN_EVENTS, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(all);
            consumer.seekToBeginning(all);
            long deadline = System.nanoTime() + AT_MOST.toNanos();
            while (found.size() < runs.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (runs.contains(record.key())) {
                        found.put(record.key(), record.partition());
                    }
                }
            }
        }
        assertThat(found).as("every run has events").hasSize(runs.size());
        return found;
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static String base(ConfigurableApplicationContext gateway) {
        return "http://127.0.0.1:" + gateway.getEnvironment().getProperty("local.server.port");
    }

    private static HttpResponse<String> send(ConfigurableApplicationContext gateway, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base(gateway) + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A gateway's run stream read on a thread of its own, every run event kept. */
    private static final class RunStream implements AutoCloseable {
        private final List<JsonNode> runs = new CopyOnWriteArrayList<>();
        private final HttpResponse<Stream<String>> response;
        private final Thread thread;

        RunStream(ConfigurableApplicationContext gateway, String path) throws Exception {
            response = http.sendAsync(HttpRequest.newBuilder(URI.create(base(gateway) + path)).GET().build(), HttpResponse.BodyHandlers.ofLines())
                    .get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            thread = new Thread(() -> {
                boolean[] named = {false};
                try {
                    response.body().forEach(line -> {
                        if (line.equals("event:run")) {
                            named[0] = true;
                        } else if (named[0] && line.startsWith("data:")) {
                            named[0] = false;
                            runs.add(Json.mapper().readTree(line.substring("data:".length())));
                        }
                    });
                } catch (RuntimeException e) {
                    // closed
                }
            }, "run-stream-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void await(String runId, String status) {
            org.awaitility.Awaitility.await().atMost(AT_MOST).pollInterval(Duration.ofMillis(100))
                    .alias("run " + runId + " " + status + " on the stream")
                    .until(() -> runs.stream().anyMatch(run -> run.get("run_id").stringValue().equals(runId)
                            && run.get("status").stringValue().equals(status)));
        }

        @Override
        public void close() {
            response.body().close();
            thread.interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        }
    }
}
