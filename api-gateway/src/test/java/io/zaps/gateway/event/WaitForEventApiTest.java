package io.zaps.gateway.event;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.CorrelationEvent;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /api/events and the resume URL of a waiting wait_for_event step, against an embedded broker. */
class WaitForEventApiTest extends GatewayTestSupport {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    private static final String TOKEN = "Qm9i4mB1dZ1lPZ7r0r8bYq3N2fFf2bq7Zs0x9cQ1a2E";

    /** A run whose step 'approval' waits (attempt 2) with the resume URL's token {@link #TOKEN}, as the projector writes it. */
    private static String waitingRun(RunStatus status, StepStatus stepStatus) {
        String runId = UUID.randomUUID().toString();
        ObjectNode waiting = Json.object().put("waiting_for", "order-A-1")
                .put("resume_url", WaitForEventSpec.resumeUrl("http://localhost:8080", runId, "approval", TOKEN));
        StepState step = new StepState("approval", WaitForEventSpec.TYPE, stepStatus, 2, Json.object().put("key", "order-A-1"),
                T0, null, null, waiting);
        Map<String, StepState> steps = new LinkedHashMap<>();
        steps.put("approval", step);
        steps.put("hook", StepState.pending("hook", "webhook").running(1, Json.object(), T0));
        RunSnapshot run = new RunSnapshot(runId, "approve", 1, status, T0, T0, null, T0, Json.object(), steps, "approval", null, 2);
        assertThat(new FileStore(DATA_DIR).saveRunIfNewer(run)).isTrue();
        return runId;
    }

    private Response resume(String runId, String step, String token, String body, String contentType) {
        Map<String, String> headers = contentType == null ? Map.of() : Map.of("Content-Type", contentType);
        return send("POST", "/hooks/runs/" + runId + "/steps/" + step + "/resume" + (token == null ? "" : "?token=" + token), body, headers);
    }

    @Test
    void anEventIsPublishedKeyedByItsCorrelationKey() {
        Response response = post("/api/events", "{\"key\": \"order-A-1\", \"data\": {\"approved\": true}, \"event_id\": \"evt-7\"}");
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json()).isEqualTo(Json.mapper().readTree("{\"key\": \"order-A-1\", \"event_id\": \"evt-7\"}"));
        ConsumerRecord<String, byte[]> record = awaitRecord(Topics.EVENTS, r -> "order-A-1".equals(r.key()), Duration.ofSeconds(30));
        CorrelationEvent event = Json.read(record.value(), CorrelationEvent.class).validated(record.key());
        assertThat(event.data()).isEqualTo(Json.mapper().readTree("{\"approved\": true}"));
        assertThat(event.eventId()).isEqualTo("evt-7");
        assertThat(event.publishedAt()).isNotNull();

        Response bare = post("/api/events", "{\"key\": \"order-B-2\"}");
        assertThat(bare.status()).isEqualTo(202);
        assertThat(bare.json().get("event_id").stringValue()).hasSize(36);
        CorrelationEvent second = Json.read(awaitRecord(Topics.EVENTS, r -> "order-B-2".equals(r.key()), Duration.ofSeconds(30)).value(),
                CorrelationEvent.class);
        assertThat(second.dataOrEmpty()).isEqualTo(Json.object());
    }

    @Test
    void badEventsAreRefusedNamingTheField() {
        assertProblem(post("/api/events", "{\"data\": {}}"), 400, "key");
        assertProblem(post("/api/events", "{\"key\": 42}"), 400, "key");
        assertProblem(post("/api/events", "{\"key\": \"\"}"), 400, "key");
        assertProblem(post("/api/events", "{\"key\": \"a\\nb\"}"), 400, "key");
        assertProblem(post("/api/events", "{\"key\": \"" + "k".repeat(257) + "\"}"), 400, "key");
        assertProblem(post("/api/events", "{\"key\": \"a\", \"event_id\": \"\"}"), 400, "event_id");
        assertProblem(post("/api/events", "[1]"), 400, null);
        assertProblem(send("POST", "/api/events", "{\"key\": \"a\"}", Map.of("Content-Type", "application/json")), 401, null);
    }

    @Test
    void theResumeUrlNeedsNoApiKeyAndHandsTheBodyToTheExecutor() {
        String runId = waitingRun(RunStatus.RUNNING, StepStatus.RUNNING);
        Response response = resume(runId, "approval", TOKEN, "{\"approved\": true, \"by\": \"ada\"}", "application/json");
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json()).isEqualTo(Json.mapper().readTree(
                "{\"run_id\": \"" + runId + "\", \"step_id\": \"approval\", \"attempt\": 2}"));
        ResumeStep command = published(runId);
        assertThat(command.source()).isEqualTo(ResumeStep.Source.RESUME_URL);
        assertThat(command.stepId()).isEqualTo("approval");
        assertThat(command.attempt()).isEqualTo(2);
        assertThat(command.token()).isEqualTo(TOKEN);
        assertThat(command.data()).isEqualTo(Json.mapper().readTree("{\"approved\": true, \"by\": \"ada\"}"));

        String paused = waitingRun(RunStatus.PAUSED, StepStatus.RUNNING);
        assertThat(resume(paused, "approval", TOKEN, null, null).status()).as("a paused run takes it too").isEqualTo(202);
        assertThat(published(paused).data()).as("no body: {}").isEqualTo(Json.object());
    }

    @Test
    void aWrongTokenOrAStepThatIsNotWaitingIsRefused() {
        String runId = waitingRun(RunStatus.RUNNING, StepStatus.RUNNING);
        assertProblem(resume(runId, "approval", TOKEN.substring(1) + "x", "{}", "application/json"), 403, null);
        assertProblem(resume(runId, "approval", null, "{}", "application/json"), 400, "token");
        assertProblem(resume(runId, "hook", TOKEN, "{}", "application/json"), 404, null);
        assertProblem(resume(runId, "nope", TOKEN, "{}", "application/json"), 404, null);
        assertProblem(resume(UUID.randomUUID().toString(), "approval", TOKEN, "{}", "application/json"), 404, null);
        assertProblem(resume(waitingRun(RunStatus.RUNNING, StepStatus.COMPLETED), "approval", TOKEN, "{}", "application/json"), 404, null);
        assertProblem(resume(waitingRun(RunStatus.CANCELLED, StepStatus.RUNNING), "approval", TOKEN, "{}", "application/json"), 404, null);
        assertProblem(resume("not-a-uuid", "approval", TOKEN, "{}", "application/json"), 400, "run_id");
        assertProblem(resume(runId, "approval", TOKEN, "{not json", "application/json"), 400, "body");
        assertProblem(resume(runId, "approval", TOKEN, "hello", "text/plain"), 415, "body");
    }

    @Test
    void theOpenApiDocumentDescribesBoth() {
        JsonNode paths = send("GET", "/docs/openapi.json", null, Map.of()).json().get("paths");
        assertThat(paths.at("/~1api~1events/post/responses").propertyNames()).contains("202", "400", "401", "413", "415", "503");
        JsonNode resume = paths.at("/~1hooks~1runs~1{run_id}~1steps~1{step_id}~1resume/post");
        assertThat(resume.get("responses").propertyNames()).contains("202", "400", "403", "404", "413", "415", "503").doesNotContain("401");
        assertThat(resume.get("security")).as("no API key").isEmpty();
    }

    private ResumeStep published(String runId) {
        ConsumerRecord<String, byte[]> record = awaitRecord(Topics.RUN_COMMANDS,
                r -> runId.equals(r.key()) && Json.read(r.value(), RunCommand.class) instanceof ResumeStep, Duration.ofSeconds(30));
        return (ResumeStep) Json.read(record.value(), RunCommand.class);
    }
}
