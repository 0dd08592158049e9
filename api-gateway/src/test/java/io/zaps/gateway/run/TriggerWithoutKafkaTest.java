package io.zaps.gateway.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayApplication;
import io.zaps.store.FileStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** No broker at all: a trigger must answer 503 within its timeout and leave a failed, not a pending, run. */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.kafka.bootstrap-servers=127.0.0.1:1",
        "spring.kafka.producer.properties.max.block.ms=1000",
        "spring.kafka.listener.auto-startup=false",
        "zaps.kafka.create-topics=false",
        "zaps.gateway.trigger-publish-timeout=2s",
        "zaps.gateway.data-dir=target/test-data/no-kafka-${random.uuid}"
})
class TriggerWithoutKafkaTest {
    @LocalServerPort
    int port;

    @Autowired
    FileStore store;

    @Test
    void aTriggerKafkaDoesNotTakeIs503AndTheRunIsMarkedFailed() throws Exception {
        String id = "offline_" + UUID.randomUUID().toString().substring(0, 8);
        String definition = """
                {"id": "%s", "name": "offline", "entry_point": "a",
                 "steps": [{"id": "a", "type": "delay", "config": {"seconds": 1}}]}
                """.formatted(id);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/workflows"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(definition)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);

        long start = System.nanoTime();
        HttpResponse<String> triggered = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/workflows/" + id + "/trigger"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(triggered.statusCode()).as(triggered.body()).isEqualTo(503);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
        assertThat(triggered.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        String runId = Json.mapper().readTree(triggered.body()).get("run_id").stringValue();
        RunSnapshot run = store.findRun(runId).orElseThrow();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).contains("Kafka");
        assertThat(Files.exists(Path.of(store.root().toString(), "runs", runId + ".json"))).isTrue();
    }
}
