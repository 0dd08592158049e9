package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Zaps against an existing Kafka ({@code ZAPS_BOOTSTRAP_SERVERS}) instead of its embedded broker:
 * a Kafka container. Skipped where no Docker engine runs (as in CI); the same flows run on the
 * embedded KRaft broker in {@link EndToEndTest}.
 */
@Testcontainers(disabledWithoutDocker = true)
class ExternalKafkaContainerIT {
    @Container
    static final KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");

    @TempDir
    Path dataDir;

    @Test
    void runsAWorkflowOnAnExternalKafka() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        subscriber.createContext("/", exchange -> {
            calls.incrementAndGet();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        subscriber.start();
        HttpClient http = HttpClient.newHttpClient();
        try (ZapsSystem zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, 0, 0, kafka.getBootstrapServers(), Map.of()))) {
            String workflow = EndToEndTest.oneWebhookWorkflow("external", "http://127.0.0.1:" + subscriber.getAddress().getPort() + "/hook");
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/workflows"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(workflow)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/workflows/external/trigger"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).isEqualTo(202);
            String runId = Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
            await().atMost(Duration.ofSeconds(60)).until(() -> http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/runs/" + runId)).build(),
                    HttpResponse.BodyHandlers.ofString()).body().contains("\"status\":\"completed\""));
            assertThat(calls.get()).isEqualTo(1);
        } finally {
            subscriber.stop(0);
        }
    }
}
