package io.zaps.gateway.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayApplication;
import io.zaps.store.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Started the way the local launcher starts it (own config name, settings as ZAPS_* properties, next
 * to a foreign application.yml), with no broker at all: the gateway still serves, the API is open
 * without keys, and a trigger answers 503 within its timeout leaving a failed, not a pending, run.
 */
@ExtendWith(OutputCaptureExtension.class)
class TriggerWithoutKafkaTest {

    @Test
    void startsLikeTheLauncherAndATriggerKafkaDoesNotTakeIs503(CapturedOutput output) throws Exception {
        Path data = Path.of("target", "test-data", "no-kafka-" + UUID.randomUUID()).toAbsolutePath();
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class).properties(
                "spring.config.name=" + GatewayApplication.CONFIG_NAME,
                "spring.main.banner-mode=off",
                "ZAPS_DATA_DIR=" + data,
                "ZAPS_BOOTSTRAP_SERVERS=127.0.0.1:1",
                "ZAPS_HTTP_PORT=0")
                // Arguments outrank api-gateway.yml, and a system property spring.kafka.bootstrap-servers
                // an embedded broker of another test class may have left behind.
                .run("--spring.kafka.bootstrap-servers=127.0.0.1:1",
                        "--spring.kafka.producer.properties.max.block.ms=1000",
                        "--spring.kafka.listener.auto-startup=false",
                        "--zaps.kafka.create-topics=false",
                        "--zaps.gateway.trigger-publish-timeout=2s")) {
            int port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            assertThat(output.getOut().lines().filter(l -> l.contains("zaps api-gateway ready on http://localhost:" + port + " (docs: /docs)")))
                    .hasSize(1);

            String id = "offline_" + UUID.randomUUID().toString().substring(0, 8);
            String definition = """
                    {"id": "%s", "name": "offline", "entry_point": "a",
                     "steps": [{"id": "a", "type": "delay", "config": {"seconds": 1}}]}
                    """.formatted(id);
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/workflows"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(definition)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as("no keys configured: the API is open").isEqualTo(201);

            long start = System.nanoTime();
            HttpResponse<String> triggered = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/workflows/" + id + "/trigger"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(triggered.statusCode()).as(triggered.body()).isEqualTo(503);
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
            assertThat(triggered.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            String runId = Json.mapper().readTree(triggered.body()).get("run_id").stringValue();
            FileStore store = context.getBean(FileStore.class);
            assertThat(store.root()).isEqualTo(data);
            RunSnapshot run = store.findRun(runId).orElseThrow();
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).contains("Kafka");
        }
    }
}
