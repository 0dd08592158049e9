package io.zaps.gateway.catalog;

import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayTestSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RunListApiTest extends GatewayTestSupport {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void listsProjectedRunsNewestFirstWithFiltersCountsAndCursors() throws Exception {
        String workflow = uniqueId("listed");
        Instant t0 = Instant.parse("2031-05-01T10:00:00Z");
        List<String> ids = new ArrayList<>();
        RunStatus[] statuses = {RunStatus.RUNNING, RunStatus.COMPLETED, RunStatus.FAILED};
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 9; i++) {
                String runId = UUID.randomUUID().toString();
                ids.add(0, runId); // newest first
                producer.send(runEvent(runId, workflow, statuses[i % 3], 2, t0.plusSeconds(i))).get();
            }
        }
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(get("/api/runs?workflow_id=" + workflow).json().get("runs").size()).isEqualTo(9));

        JsonNode page = get("/api/runs?workflow_id=" + workflow + "&limit=4").json();
        assertThat(page.get("runs").valueStream().map(r -> r.get("run_id").stringValue())).containsExactlyElementsOf(ids.subList(0, 4));
        JsonNode newest = page.get("runs").get(0);
        assertThat(newest.propertyNames()).contains("run_id", "workflow_id", "workflow_version", "status", "created_at",
                "started_at", "current_step_id").doesNotContain("context", "steps", "revision");
        assertThat(newest.get("created_at").stringValue()).isEqualTo("2031-05-01T10:00:08Z");
        assertThat(page.get("counts").get("running").intValue()).isEqualTo(3);
        assertThat(page.get("counts").get("failed").intValue()).isEqualTo(3);
        assertThat(page.get("counts").get("cancelled").intValue()).isZero();
        String cursor = page.get("next_cursor").stringValue();
        JsonNode second = get("/api/runs?workflow_id=" + workflow + "&limit=4&cursor=" + cursor).json();
        assertThat(second.get("runs").valueStream().map(r -> r.get("run_id").stringValue())).containsExactlyElementsOf(ids.subList(4, 8));
        JsonNode last = get("/api/runs?workflow_id=" + workflow + "&limit=4&cursor=" + second.get("next_cursor").stringValue()).json();
        assertThat(last.get("runs").size()).isEqualTo(1);
        assertThat(last.get("next_cursor").isNull()).isTrue();

        JsonNode failed = get("/api/runs?workflow_id=" + workflow + "&status=failed,completed").json();
        assertThat(failed.get("runs").valueStream().map(r -> r.get("status").stringValue())).hasSize(6).containsOnly("failed", "completed");
        assertThat(failed.get("runs").get(0).get("duration_ms").longValue()).isEqualTo(1500);
        assertThat(failed.get("counts").get("running").intValue()).as("counts ignore the status filter").isEqualTo(3);
        assertThat(get("/api/runs?workflow_id=" + workflow + "&status=failed&status=running").json().get("runs").size()).isEqualTo(6);
        JsonNode window = get("/api/runs?workflow_id=" + workflow + "&since=2031-05-01T10:00:02Z&until=2031-05-01T10:00:05Z").json();
        assertThat(window.get("runs").size()).isEqualTo(3);
        assertThat(window.get("counts").get("completed").intValue()).isEqualTo(1);
        JsonNode byPrefix = get("/api/runs?run_id=" + ids.get(3).substring(0, 8)).json();
        assertThat(byPrefix.get("runs").valueStream().map(r -> r.get("run_id").stringValue())).contains(ids.get(3));
        assertThat(get("/api/runs?run_id=" + ids.get(3)).json().get("runs").size()).isEqualTo(1);
        assertThat(get("/api/runs").json().get("runs").size()).as("across all workflows").isGreaterThanOrEqualTo(9);
    }

    @Test
    void badParametersAreProblemsNamingTheParameter() {
        assertProblem(get("/api/runs?limit=0"), 400, "limit");
        assertProblem(get("/api/runs?limit=501"), 400, "limit");
        assertProblem(get("/api/runs?limit=lots"), 400, "limit");
        assertProblem(get("/api/runs?status=done"), 400, "status");
        assertProblem(get("/api/runs?status=running,nope"), 400, "status");
        assertProblem(get("/api/runs?since=yesterday"), 400, "since");
        assertProblem(get("/api/runs?until=2030-01-01"), 400, "until");
        assertProblem(get("/api/runs?run_id=abc"), 400, "run_id");
        assertProblem(get("/api/runs?run_id=ABCDEF12"), 400, "run_id");
        assertProblem(get("/api/runs?workflow_id=../x"), 400, "workflow_id");
        assertProblem(get("/api/runs?cursor=bm90LWEtY3Vyc29y"), 400, "cursor");
        assertProblem(get("/api/runs?cursor=%25%25"), 400, "cursor");
        assertThat(send("GET", "/api/runs", null, Map.of()).status()).as("needs the API key").isEqualTo(401);
    }
}
