package io.zaps.gateway.catalog;

import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayTestSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RunStreamTest extends GatewayTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private RunStreamReader reader(String path, Map<String, String> headers) throws Exception {
        return new RunStreamReader("http://127.0.0.1:" + port + path, headers, WAIT);
    }

    @Test
    void aClientReceivesARunEventForEverySnapshotTheProjectorWritesMatchingItsFilter() throws Exception {
        String workflow = uniqueId("streamed");
        String other = uniqueId("unwatched");
        String runId = UUID.randomUUID().toString();
        Instant created = Instant.parse("2031-06-01T00:00:00Z");
        try (RunStreamReader all = reader("/api/runs/stream", Map.of("X-API-Key", API_KEY));
             RunStreamReader one = reader("/api/runs/stream?workflow_id=" + workflow, Map.of("Authorization", "Bearer " + API_KEY))) {
            assertThat(all.response.statusCode()).isEqualTo(200);
            assertThat(all.response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.send(runEvent(UUID.randomUUID().toString(), other, RunStatus.RUNNING, 1, created)).get();
                producer.send(runEvent(runId, workflow, RunStatus.RUNNING, 1, created)).get();
                producer.send(runEvent(runId, workflow, RunStatus.COMPLETED, 2, created)).get();
            }
            JsonNode first = one.nextRun();
            assertThat(first.get("run_id").stringValue()).as("the filtered stream skips other workflows").isEqualTo(runId);
            assertThat(first.propertyNames()).contains("workflow_id", "status", "created_at").doesNotContain("context", "steps");
            JsonNode second = one.nextRun();
            assertThat(second.get("run_id").stringValue()).isEqualTo(runId);
            // projected in one batch, the two events may become one snapshot (the newest)
            assertThat(List.of(first.get("status").stringValue(), second.get("status").stringValue())).contains("completed");

            boolean sawOther = false;
            for (int i = 0; i < 3 && !sawOther; i++) {
                sawOther = all.nextRun().get("workflow_id").stringValue().equals(other);
            }
            assertThat(sawOther).as("the unfiltered stream sees every workflow").isTrue();
        }
    }

    @Test
    void theStreamAloneTakesTheApiKeyAsAQueryParameter() throws Exception {
        assertThat(send("GET", "/api/runs/stream", null, Map.of()).status()).isEqualTo(401);
        assertThat(send("GET", "/api/runs/stream?api_key=wrong", null, Map.of()).status()).isEqualTo(401);
        assertThat(send("GET", "/api/runs?api_key=" + API_KEY, null, Map.of()).status()).as("no other endpoint").isEqualTo(401);
        assertThat(send("GET", "/api/workflows?api_key=" + API_KEY, null, Map.of()).status()).isEqualTo(401);

        String runId = UUID.randomUUID().toString();
        try (RunStreamReader reader = reader("/api/runs/stream?run_id=" + runId + "&api_key=" + OTHER_KEY, Map.of("Accept", "text/event-stream"))) {
            assertThat(reader.response.statusCode()).isEqualTo(200);
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.send(runEvent(runId, uniqueId("keyed"), RunStatus.RUNNING, 1, Instant.now())).get();
            }
            assertThat(reader.nextRun().get("run_id").stringValue()).isEqualTo(runId);
        }
    }

    @Test
    void badFiltersAreProblems() {
        assertProblem(get("/api/runs/stream?workflow_id=../etc"), 400, "workflow_id");
        assertProblem(get("/api/runs/stream?run_id=abcd"), 400, "run_id");
    }
}
