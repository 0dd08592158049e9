package io.zaps.gateway.workflow;

import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayTestSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WorkflowStatsAndStatusTest extends GatewayTestSupport {

    @Test
    void withStatsEachWorkflowHasItsLastRunAndTheLast24Hours() throws Exception {
        String id = uniqueId("stats");
        String idle = uniqueId("idle");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        assertThat(post("/api/workflows", workflowJson(idle, "paused")).status()).isEqualTo(201);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String newest = UUID.randomUUID().toString();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // durations are 1,500 ms (see RunListApiTest.event); one run two days ago counts for last_run only if newest
            producer.send(runEvent(UUID.randomUUID().toString(), id, RunStatus.COMPLETED, 2, now.minus(Duration.ofDays(2)))).get();
            producer.send(runEvent(UUID.randomUUID().toString(), id, RunStatus.COMPLETED, 2, now.minus(Duration.ofHours(5)))).get();
            producer.send(runEvent(UUID.randomUUID().toString(), id, RunStatus.FAILED, 2, now.minus(Duration.ofHours(5)))).get();
            producer.send(runEvent(UUID.randomUUID().toString(), id, RunStatus.COMPLETED, 2, now.minus(Duration.ofMinutes(30)))).get();
            producer.send(runEvent(newest, id, RunStatus.RUNNING, 1, now.minus(Duration.ofMinutes(1)))).get();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(get("/api/runs?workflow_id=" + id).json().get("runs").size()).isEqualTo(5));

        Response response = get("/api/workflows?with=stats");
        assertThat(response.status()).isEqualTo(200);
        JsonNode stats = response.json().valueStream().filter(w -> w.get("id").stringValue().equals(id)).findFirst().orElseThrow();
        assertThat(stats.propertyNames()).containsExactlyInAnyOrder("id", "name", "status", "version", "updated_at", "last_run",
                "runs_24h", "success_rate_24h", "p50_ms_24h", "sparkline");
        assertThat(stats.get("status").stringValue()).isEqualTo("active");
        assertThat(stats.get("last_run").get("run_id").stringValue()).isEqualTo(newest);
        assertThat(stats.get("runs_24h").intValue()).isEqualTo(4);
        assertThat(stats.get("success_rate_24h").doubleValue()).isEqualTo(2.0 / 3);
        assertThat(stats.get("p50_ms_24h").longValue()).isEqualTo(1500);
        JsonNode sparkline = stats.get("sparkline");
        assertThat(sparkline.size()).isEqualTo(24);
        assertThat(sparkline.get(23).get("completed").intValue()).isEqualTo(1);
        assertThat(sparkline.get(18).get("completed").intValue() + sparkline.get(19).get("completed").intValue()).isEqualTo(1);
        assertThat(sparkline.get(18).get("failed").intValue() + sparkline.get(19).get("failed").intValue()).isEqualTo(1);
        assertThat(sparkline.get(0).get("p50_ms").isNull()).isTrue();
        assertThat(Instant.parse(sparkline.get(0).get("start").stringValue())).isBetween(now.minus(Duration.ofHours(25)), now.minus(Duration.ofHours(23)));

        JsonNode quiet = response.json().valueStream().filter(w -> w.get("id").stringValue().equals(idle)).findFirst().orElseThrow();
        assertThat(quiet.get("last_run").isNull()).isTrue();
        assertThat(quiet.get("runs_24h").intValue()).isZero();
        assertThat(quiet.get("success_rate_24h").isNull()).isTrue();
        assertThat(quiet.get("status").stringValue()).isEqualTo("paused");

        assertThat(get("/api/workflows").json().get(0).has("steps")).as("without with: definitions as before").isTrue();
        assertProblem(get("/api/workflows?with=everything"), 400, "with");
    }

    @Test
    void theStatusChangesAloneAsANewVersion() {
        String id = uniqueId("status");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);

        Response paused = put("/api/workflows/" + id + "/status", "{\"status\": \"paused\"}");
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        assertThat(paused.json().get("status").stringValue()).isEqualTo("paused");
        assertThat(paused.json().get("version").intValue()).isEqualTo(2);
        assertThat(paused.json().get("steps").size()).as("everything else kept").isEqualTo(2);
        assertThat(paused.header("ETag")).isEqualTo("\"2\"");
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").status()).isEqualTo(409);

        Response again = put("/api/workflows/" + id + "/status", "{\"status\": \"paused\"}");
        assertThat(again.json().get("version").intValue()).as("no change, no version").isEqualTo(2);

        Response stale = send("PUT", "/api/workflows/" + id + "/status", "{\"status\": \"active\"}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "If-Match", "\"1\""));
        assertProblem(stale, 412, null);
        Response active = send("PUT", "/api/workflows/" + id + "/status", "{\"status\": \"active\"}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "If-Match", "\"2\""));
        assertThat(active.status()).isEqualTo(200);
        assertThat(active.json().get("version").intValue()).isEqualTo(3);
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").status()).isEqualTo(202);

        assertProblem(put("/api/workflows/" + id + "/status", "{\"status\": \"sleeping\"}"), 400, "status");
        assertProblem(put("/api/workflows/" + id + "/status", "{}"), 400, "status");
        assertProblem(put("/api/workflows/never_there/status", "{\"status\": \"paused\"}"), 404, null);
    }
}
