package io.zaps.gateway.run;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.gateway.GatewayTestSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class TriggerApiTest extends GatewayTestSupport {

    @Test
    void aTriggerAnswers202WithThePendingRunAndPublishesTheRequest() {
        String id = uniqueId("trig");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);

        Response response = post("/api/workflows/" + id + "/trigger", """
                {"context": {"customer_email": "a@example.org", "invoice_id": "INV-1", "amount": "$150.00"}}
                """);

        assertThat(response.status()).as(response.body()).isEqualTo(202);
        JsonNode run = response.json();
        String runId = run.get("run_id").stringValue();
        assertThat(UUID.fromString(runId).toString()).isEqualTo(runId);
        assertThat(response.header("Location")).isEqualTo("/api/runs/" + runId);
        assertThat(run.get("workflow_id").stringValue()).isEqualTo(id);
        assertThat(run.get("workflow_version").intValue()).isEqualTo(1);
        assertThat(run.get("status").stringValue()).isEqualTo("pending");
        assertThat(run.get("revision").longValue()).isZero();
        assertThat(run.get("created_at").stringValue()).endsWith("Z");
        assertThat(run.get("context").get("invoice_id").stringValue()).isEqualTo("INV-1");
        assertThat(run.get("steps").propertyNames()).containsExactly("delay_step", "send_reminder");
        assertThat(run.get("steps").get("delay_step").get("status").stringValue()).isEqualTo("pending");
        assertThat(run.get("steps").get("send_reminder").get("type").stringValue()).isEqualTo("webhook");

        Response immediate = get("/api/runs/" + runId);
        assertThat(immediate.status()).isEqualTo(200);
        assertThat(immediate.json()).isEqualTo(run);
        assertThat(DATA_DIR.resolve("runs").resolve(runId + ".json"))
                .as("the pending snapshot is this gateway's until the projector writes the run").doesNotExist();
        assertThat(get("/api/workflows/" + id + "/runs").json().valueStream().map(r -> r.get("run_id").stringValue()))
                .containsExactly(runId);

        ConsumerRecord<String, byte[]> record = awaitRecord(Topics.TRIGGERS, r -> runId.equals(r.key()), Duration.ofSeconds(30));
        TriggerRequested trigger = Json.read(record.value(), TriggerRequested.class).validated();
        assertThat(trigger.type()).isEqualTo(TriggerRequested.TYPE);
        assertThat(trigger.schemaVersion()).isEqualTo(1);
        assertThat(trigger.eventId()).isEqualTo("api:" + runId);
        assertThat(trigger.runId()).isEqualTo(runId);
        assertThat(trigger.workflowId()).isEqualTo(id);
        assertThat(trigger.source()).isEqualTo("api");
        assertThat(trigger.context().get("customer_email").stringValue()).isEqualTo("a@example.org");
        assertThat(trigger.requestedAt()).isEqualTo(Instant.parse(run.get("created_at").stringValue()));
    }

    @Test
    void theBodyAndTheContextAreOptional() {
        String id = uniqueId("noctx");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);

        Response noBody = send("POST", "/api/workflows/" + id + "/trigger", null, java.util.Map.of("X-API-Key", API_KEY));
        assertThat(noBody.status()).as(noBody.body()).isEqualTo(202);
        assertThat(noBody.json().get("context").isObject()).isTrue();
        assertThat(noBody.json().get("context").isEmpty()).isTrue();

        Response emptyObject = post("/api/workflows/" + id + "/trigger", "{}");
        assertThat(emptyObject.status()).isEqualTo(202);
        assertThat(emptyObject.json().get("context").isEmpty()).isTrue();

        String newest = emptyObject.json().get("run_id").stringValue();
        assertThat(get("/api/workflows/" + id + "/runs?limit=1").json().get(0).get("run_id").stringValue()).isEqualTo(newest);
        assertThat(get("/api/workflows/" + id + "/runs").json().valueStream().map(r -> r.get("run_id").stringValue()))
                .containsExactly(newest, noBody.json().get("run_id").stringValue());
    }

    @Test
    void aTriggerSeesEveryChangeOfTheWorkflowAtOnce() throws InterruptedException {
        String id = uniqueId("changing");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        Thread.sleep(150); // let the definition settle so that it is cached
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").json().get("workflow_version").intValue()).isEqualTo(1);
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").status()).isEqualTo(202);

        for (int round = 0; round < 3; round++) {
            assertThat(put("/api/workflows/" + id, workflowJson(id, "paused")).status()).isEqualTo(200);
            assertThat(post("/api/workflows/" + id + "/trigger", "{}").status()).isEqualTo(409);
            Response active = put("/api/workflows/" + id, workflowJson(id, "active"));
            assertThat(active.status()).isEqualTo(200);
            Response triggered = post("/api/workflows/" + id + "/trigger", "{}");
            assertThat(triggered.status()).isEqualTo(202);
            assertThat(triggered.json().get("workflow_version")).isEqualTo(active.json().get("version"));
        }
        Thread.sleep(150);
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").json().get("workflow_version").intValue()).isEqualTo(7);
        assertThat(delete("/api/workflows/" + id).status()).isEqualTo(204);
        assertThat(post("/api/workflows/" + id + "/trigger", "{}").status()).isEqualTo(404);
    }

    @Test
    void aContextThatIsNotAnObjectIsRefused() {
        String id = uniqueId("badctx");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        assertProblem(post("/api/workflows/" + id + "/trigger", "{\"context\": [1, 2]}"), 400, "context");
        assertProblem(post("/api/workflows/" + id + "/trigger", "{\"context\": \"text\"}"), 400, "context");
        assertProblem(post("/api/workflows/" + id + "/trigger", "[]"), 400, null);
        assertThat(get("/api/workflows/" + id + "/runs").json().size()).as("no run created").isZero();
    }

    @Test
    void pausedDisabledAndUnknownWorkflowsCannotBeTriggered() {
        String paused = uniqueId("paused");
        String disabled = uniqueId("disabled");
        assertThat(post("/api/workflows", workflowJson(paused, "paused")).status()).isEqualTo(201);
        assertThat(post("/api/workflows", workflowJson(disabled, "disabled")).status()).isEqualTo(201);

        Response pausedAnswer = post("/api/workflows/" + paused + "/trigger", "{}");
        assertProblem(pausedAnswer, 409, null);
        assertThat(pausedAnswer.json().get("detail").stringValue()).contains("paused");
        assertThat(pausedAnswer.json().get("workflow_status").stringValue()).isEqualTo("paused");
        assertThat(post("/api/workflows/" + disabled + "/trigger", "{}").json().get("detail").stringValue()).contains("disabled");
        assertThat(get("/api/workflows/" + paused + "/runs").json().size()).isZero();

        assertProblem(post("/api/workflows/never_created/trigger", "{}"), 404, null);
    }

    @Test
    void runsAreReadByUuid() {
        assertProblem(get("/api/runs/" + UUID.randomUUID()), 404, null);
        assertProblem(get("/api/runs/not-a-uuid"), 400, "run_id");
        assertProblem(get("/api/runs/" + UUID.randomUUID().toString().toUpperCase()), 400, "run_id");
        assertProblem(get("/api/workflows/never_created/runs"), 404, null);
        assertProblem(get("/api/workflows/any/runs?limit=0"), 400, "limit");
        assertProblem(get("/api/workflows/any/runs?limit=501"), 400, "limit");
        assertProblem(get("/api/workflows/any/runs?limit=many"), 400, "limit");
    }
}
