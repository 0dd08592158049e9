package io.zaps.contract;

import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.contract.workflow.WorkflowStatus;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Golden-JSON tests: they pin the wire format of every record. A failing one means a breaking change. */
class WireFormatTest {
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    static final Instant T1 = Instant.parse("2026-01-02T03:04:07.500Z");
    static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    static WorkflowDefinition workflow() {
        ObjectNode delay = Json.object().put("seconds", 2);
        ObjectNode hook = Json.object().put("url", "http://127.0.0.1:8001/notify").put("method", "POST");
        hook.set("body", Json.object().put("to", "{{ customer_email }}"));
        return new WorkflowDefinition("invoice_reminder", "Invoice Reminder", null, "delay_step", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("delay_step", "delay", delay, "send_reminder"),
                        new StepDefinition("send_reminder", "webhook", hook, null)),
                3, T0, T0);
    }

    static ObjectNode context() {
        return Json.object().put("customer_email", "john@example.com").put("amount", "$150.00");
    }

    @Test
    void startRun() throws IOException {
        RunCommand command = new StartRun(1, RUN, workflow(), context(), "evt-1", T0);
        assertGolden("start_run.json", Json.toBytes(command));
        assertThat(Json.read(golden("start_run.json"), RunCommand.class)).isEqualTo(command);
        assertThat(((StartRun) Json.read(golden("start_run.json"), RunCommand.class)).source()).as("absent before the field existed").isNull();
        RunCommand fromErrorHandler = new StartRun(1, RUN, workflow(), context(), "on_failure:" + RUN + ":1", T0, "on_failure");
        assertThat(Json.toString(fromErrorHandler)).contains("\"source\":\"on_failure\"");
        assertThat(Json.read(Json.toBytes(fromErrorHandler), RunCommand.class)).isEqualTo(fromErrorHandler);
    }

    @Test
    void childRunRecords() throws IOException {
        ObjectNode context = context();
        context.set("item", Json.object().put("ref", "sha256:ab"));
        context.put("index", 2);
        ObjectNode inherited = Json.object();
        inherited.set("fetch", ((ObjectNode) Json.object().put("status", "completed")).set("output", Json.object().put("id", 7)));
        String child = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";
        io.zaps.contract.run.ParentRun parent = new io.zaps.contract.run.ParentRun(RUN, "each", 1, 2, 1);
        RunCommand start = new StartRun(1, child, workflow(), context, "child:" + RUN + ":each:1:2", T0, "for_each", parent, inherited);
        assertGolden("start_run_child.json", Json.toBytes(start));
        assertThat(Json.read(golden("start_run_child.json"), RunCommand.class)).isEqualTo(start);

        RunCommand ended = new io.zaps.contract.command.ChildRunEnded(1, RUN, "each", 1, 2, child,
                io.zaps.contract.run.RunStatus.COMPLETED, Json.object().put("invoice", "INV-3"), null);
        assertGolden("child_run_ended.json", Json.toBytes(ended));
        assertThat(Json.read(golden("child_run_ended.json"), RunCommand.class)).isEqualTo(ended);

        TriggerRequested call = TriggerRequested.child("child:" + RUN + ":call:1:0", child, "callee", context(), T0,
                new io.zaps.contract.run.ParentRun(RUN, "call", 1, 0, 1));
        assertThat(Json.toString(call)).contains("\"parent\":{\"run_id\":\"" + RUN + "\",\"step_id\":\"call\"")
                .contains("\"source\":\"call_workflow\"");
        assertThat(Json.read(Json.toBytes(call), TriggerRequested.class)).isEqualTo(call);
        assertThat(Json.toString(Json.read(golden("trigger_requested.json"), TriggerRequested.class))).as("no parent before the field existed")
                .doesNotContain("parent");
    }

    @Test
    void completeStep() throws IOException {
        RunCommand command = new CompleteStep(1, RUN, "send_reminder", 1, RUN + ":send_reminder:1",
                CompleteStep.Outcome.FAILED, Json.object().put("status_code", 500), "HTTP 500 Internal Server Error", true, T0, T1);
        assertGolden("complete_step.json", Json.toBytes(command));
        assertThat(Json.read(golden("complete_step.json"), RunCommand.class)).isEqualTo(command);
    }

    @Test
    void completeStepWithARetryAfterHint() throws IOException {
        RunCommand command = new CompleteStep(1, RUN, "send_reminder", 2, RUN + ":send_reminder:2",
                CompleteStep.Outcome.FAILED, Json.object().put("status_code", 429), "HTTP 429 from POST http://127.0.0.1:8001/notify",
                true, T0, T1, 30L);
        assertGolden("complete_step_retry_after.json", Json.toBytes(command));
        assertThat(Json.read(golden("complete_step_retry_after.json"), RunCommand.class)).isEqualTo(command);
        assertThat(((CompleteStep) Json.read(golden("complete_step.json"), RunCommand.class)).retryAfterSeconds())
                .as("absent before the field existed").isNull();
    }

    @Test
    void fireTimer() throws IOException {
        RunCommand command = new FireTimer(1, RUN, "delay_step", 1, T1);
        assertGolden("fire_timer.json", Json.toBytes(command));
        assertThat(Json.read(golden("fire_timer.json"), RunCommand.class)).isEqualTo(command);
    }

    @Test
    void runControlCommands() throws IOException {
        List<RunCommand> commands = List.of(new CancelRun(1, RUN, T0, "operator asked"), new PauseRun(1, RUN, T0, null),
                new ResumeRun(1, RUN, T0, null), new RetryRun(1, RUN, T0, "operator asked"));
        List<String> files = List.of("cancel_run.json", "pause_run.json", "resume_run.json", "retry_run.json");
        for (int i = 0; i < commands.size(); i++) {
            assertGolden(files.get(i), Json.toBytes(commands.get(i)));
            assertThat(Json.read(golden(files.get(i)), RunCommand.class)).isEqualTo(commands.get(i));
        }
        assertThat(Json.read(("{\"type\":\"cancel_run\",\"schema_version\":1,\"run_id\":\"" + RUN + "\"}").getBytes(), RunCommand.class))
                .as("requested_at and reason are optional").isEqualTo(new CancelRun(1, RUN, null, null));
    }

    @Test
    void executeStep() throws IOException {
        ExecuteStep request = new ExecuteStep(1, RUN, "invoice_reminder", "send_reminder", "webhook", 1,
                Ids.idempotencyKey(RUN, "send_reminder", 1), Json.object().put("url", "http://127.0.0.1:8001/notify"), T0, T1);
        assertGolden("execute_step.json", Json.toBytes(request));
        assertThat(Json.read(golden("execute_step.json"), ExecuteStep.class)).isEqualTo(request);
    }

    @Test
    void triggerRequested() throws IOException {
        TriggerRequested event = TriggerRequested.of("evt-1", RUN, "invoice_reminder", context(), "api", T0);
        assertGolden("trigger_requested.json", Json.toBytes(event));
        assertThat(Json.read(golden("trigger_requested.json"), TriggerRequested.class)).isEqualTo(event);
    }

    @Test
    void triggerRequestedWithTheWorkflowVersionTheGatewaySaw() throws IOException {
        TriggerRequested event = TriggerRequested.of("evt-1", RUN, "invoice_reminder", context(), "api", T0).withWorkflowVersion(3);
        assertGolden("trigger_requested_version.json", Json.toBytes(event));
        assertThat(Json.read(golden("trigger_requested_version.json"), TriggerRequested.class)).isEqualTo(event);
        assertThat(Json.read(golden("trigger_requested.json"), TriggerRequested.class).workflowVersion())
                .as("absent before the field existed").isNull();
    }

    @Test
    void workflowRecords() throws IOException {
        WorkflowRecord saved = WorkflowRecord.saved(workflow());
        assertGolden("workflow_saved.json", Json.toBytes(saved));
        assertThat(Json.read(golden("workflow_saved.json"), WorkflowRecord.class).validated()).isEqualTo(saved);
        WorkflowRecord deleted = WorkflowRecord.deleted("invoice_reminder", 3);
        assertGolden("workflow_deleted.json", Json.toBytes(deleted));
        assertThat(Json.read(golden("workflow_deleted.json"), WorkflowRecord.class).validated()).isEqualTo(deleted);
        assertThat(deleted.isDeleted()).isTrue();
        assertThatThrownBy(() -> new WorkflowRecord(WorkflowRecord.SAVED, 1, "other", 3, workflow()).validated())
                .hasMessageContaining("workflow_id and version");
    }

    @Test
    void secretRecords() throws IOException {
        Instant created = Instant.parse("2026-01-02T03:04:05Z");
        Instant updated = Instant.parse("2026-01-02T03:04:06.500Z");
        SecretRecord saved = SecretRecord.saved("smtp_password", "AES-256-GCM", "0123456789abcdef", "AAECAwQFBgcICQoL",
                "q83vASNFZ4mrze8BI0VniQ==", created, updated);
        assertGolden("secret_saved.json", Json.toBytes(saved));
        assertThat(Json.read(golden("secret_saved.json"), SecretRecord.class).validated()).isEqualTo(saved);
        SecretRecord deleted = SecretRecord.deleted("smtp_password", updated);
        assertGolden("secret_deleted.json", Json.toBytes(deleted));
        assertThat(Json.read(golden("secret_deleted.json"), SecretRecord.class).validated()).isEqualTo(deleted);
        assertThat(deleted.isDeleted()).isTrue();
        assertThatThrownBy(() -> SecretRecord.saved("smtp_password", "AES-256-GCM", "k", null, "c", created, updated).validated())
                .hasMessageContaining("nonce");
        assertThatThrownBy(() -> SecretRecord.deleted("no/slash", updated).validated()).hasMessageContaining("name");
        assertThat(saved.toString()).doesNotContain(saved.ciphertext()).contains("smtp_password");
    }

    @Test
    void aSecretsLaterRecordWinsAndAtTheSameInstantTheDelete() {
        Instant t1 = Instant.parse("2026-01-02T03:04:05Z");
        Instant t2 = t1.plusMillis(1);
        SecretRecord v1 = SecretRecord.saved("k", "AES-256-GCM", "id", "n1", "c1", t1, t1);
        SecretRecord v2 = SecretRecord.saved("k", "AES-256-GCM", "id", "n2", "c2", t1, t2);
        SecretRecord deletedV1 = SecretRecord.deleted("k", t1);
        assertThat(SecretRecord.newer(v1, v2)).isSameAs(v2);
        assertThat(SecretRecord.newer(v2, v1)).as("a late publish of the older value").isSameAs(v2);
        assertThat(SecretRecord.newer(v1, deletedV1)).isSameAs(deletedV1);
        assertThat(SecretRecord.newer(deletedV1, v1)).as("a repeat of the deleted value").isSameAs(deletedV1);
        assertThat(SecretRecord.newer(deletedV1, v2)).as("stored again later").isSameAs(v2);
    }

    @Test
    void minimalTriggerFromAnOutsideProducerIsAccepted() {
        TriggerRequested event = Json.read("{\"workflow_id\":\"invoice_reminder\"}".getBytes(), TriggerRequested.class).validated();
        assertThat(event.workflowId()).isEqualTo("invoice_reminder");
        assertThat(event.context()).isNull();
    }

    @Test
    void runEvent() throws IOException {
        Map<String, StepState> steps = new LinkedHashMap<>();
        steps.put("delay_step", StepState.pending("delay_step", "delay").running(1, Json.object().put("seconds", 2), T0).completed(Json.object().put("delayed_seconds", 2), T1));
        steps.put("send_reminder", StepState.pending("send_reminder", "webhook"));
        RunSnapshot snapshot = new RunSnapshot(RUN, "invoice_reminder", 3, RunStatus.RUNNING, T0, T0, null, T1, context(), steps, "send_reminder", null, 4);
        RunEvent event = new RunEvent(RunEventType.STEP_SUCCEEDED, 1, RUN, "delay_step", T1, snapshot);
        assertGolden("run_event.json", Json.toBytes(event));
        assertThat(Json.read(golden("run_event.json"), RunEvent.class)).isEqualTo(event);
    }

    @Test
    void fireTimerWithKind() throws IOException {
        RunCommand command = new FireTimer(1, RUN, "send_reminder", 2, T1, FireTimer.Kind.RETRY);
        assertGolden("fire_timer_retry.json", Json.toBytes(command));
        assertThat(Json.read(golden("fire_timer_retry.json"), RunCommand.class)).isEqualTo(command);
        assertThat(((FireTimer) Json.read(golden("fire_timer.json"), RunCommand.class)).kindOrDefault())
                .as("a timer without kind is a delay").isEqualTo(FireTimer.Kind.DELAY);
    }

    @Test
    void startRunWithRetryPoliciesAndTimeout() throws IOException {
        WorkflowDefinition plain = workflow();
        ObjectNode hook = plain.steps().get(1).config();
        WorkflowDefinition withRetry = new WorkflowDefinition(plain.id(), plain.name(), null, plain.entryPoint(), plain.status(),
                List.of(plain.steps().get(0),
                        new StepDefinition("send_reminder", "webhook", hook, null, new RetryPolicy(5, 0.5, 3.0, 60.0, 0.1), 10)),
                3, T0, T0, new RetryPolicy(3, null, null, null, null));
        RunCommand command = new StartRun(1, RUN, withRetry, context(), "evt-1", T0);
        assertGolden("start_run_retry.json", Json.toBytes(command));
        assertThat(Json.read(golden("start_run_retry.json"), RunCommand.class)).isEqualTo(command);
        assertThat(withRetry.retryFor(withRetry.steps().get(0)).maxAttemptsOrDefault()).isEqualTo(3);
        assertThat(withRetry.retryFor(withRetry.steps().get(1)).maxAttemptsOrDefault()).isEqualTo(5);
        assertThat(workflow().retryFor(workflow().steps().get(1))).isEqualTo(RetryPolicy.NONE);
    }

    @Test
    void runEventWithAttempts() throws IOException {
        Instant t2 = T1.plusSeconds(30);
        StepState step = StepState.pending("send_reminder", "webhook")
                .running(2, Json.object().put("url", "http://127.0.0.1:8001/notify"), T1)
                .withAttempt(StepAttempt.started(1, T0).ended(StepAttempt.Outcome.TIMED_OUT, "no result within 10 s", true, T1)
                        .withLateResult(StepAttempt.Outcome.SUCCEEDED, t2))
                .withAttempt(StepAttempt.started(2, T1).ended(StepAttempt.Outcome.FAILED, "HTTP 503 Service Unavailable", true, t2))
                .retryAt(t2.plusSeconds(2), "HTTP 503 Service Unavailable", null);
        Map<String, StepState> steps = new LinkedHashMap<>();
        steps.put("send_reminder", step);
        RunSnapshot snapshot = new RunSnapshot(RUN, "invoice_reminder", 3, RunStatus.RUNNING, T0, T0, null, t2, context(), steps, "send_reminder", null, 7);
        RunEvent event = new RunEvent(RunEventType.STEP_RETRY_SCHEDULED, 1, RUN, "send_reminder", t2, snapshot);
        assertGolden("run_event_attempts.json", Json.toBytes(event));
        assertThat(Json.read(golden("run_event_attempts.json"), RunEvent.class)).isEqualTo(event);
    }

    @Test
    void runEventTypeWireNameIsItsJsonName() {
        for (RunEventType type : RunEventType.values()) {
            assertThat(Json.toString(type)).isEqualTo("\"" + type.wireName() + "\"");
        }
    }

    @Test
    void unknownCommandTypeIsMalformed() {
        assertThatThrownBy(() -> Json.read("{\"type\":\"explode\",\"run_id\":\"x\"}".getBytes(), RunCommand.class))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("explode");
    }

    @Test
    void badJsonIsMalformed() {
        assertThatThrownBy(() -> Json.read("{not json".getBytes(), RunCommand.class))
                .isInstanceOf(MalformedRecordException.class);
    }

    @Test
    void newerSchemaVersionIsRejected() {
        TriggerRequested event = Json.read("{\"workflow_id\":\"w\",\"schema_version\":99}".getBytes(), TriggerRequested.class);
        assertThatThrownBy(event::validated).isInstanceOf(MalformedRecordException.class).hasMessageContaining("schema_version 99");
    }

    private static byte[] golden(String name) throws IOException {
        try (InputStream in = WireFormatTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static void assertGolden(String name, byte[] actual) throws IOException {
        JsonNode expected = Json.mapper().readTree(golden(name));
        assertThat(Json.mapper().readTree(actual)).isEqualTo(expected);
    }
}
