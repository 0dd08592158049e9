package io.zaps.trigger.intake;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.Topics;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggerIntakeTest {
    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07.123Z");
    private static final RecordCoordinates AT = new RecordCoordinates(Topics.TRIGGERS, 2, 41);
    private static final String RUN_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private final TriggerIntake intake = new TriggerIntake(Clock.fixed(NOW, ZoneOffset.UTC));

    @Nested
    class RunIds {
        @Test
        void given_run_id_is_kept() {
            StartRun start = started(trigger("evt-1", RUN_ID), AT);

            assertThat(start.runId()).isEqualTo(RUN_ID);
            assertThat(start.eventId()).isEqualTo("evt-1");
        }

        @Test
        void the_triggers_source_travels_on_the_start() {
            TriggerRequested fromErrorHandler = new TriggerRequested(null, null, "on_failure:" + RUN_ID + ":1", null,
                    "invoice_reminder", null, "on_failure", null);

            assertThat(started(fromErrorHandler, AT).source()).isEqualTo("on_failure");
            assertThat(started(trigger("evt-1", null), AT).source()).isNull();
        }

        @Test
        void same_event_id_gives_the_same_run_id_wherever_the_record_sits() {
            StartRun first = started(trigger("evt-1", null), AT);
            StartRun again = started(trigger("evt-1", null), new RecordCoordinates(Topics.TRIGGERS, 5, 9000));

            assertThat(first.runId()).isEqualTo(Ids.runIdForEvent("evt-1")).isEqualTo(again.runId());
            assertThat(Ids.isRunId(first.runId())).isTrue();
        }

        @Test
        void different_event_ids_give_different_run_ids() {
            assertThat(started(trigger("evt-1", null), AT).runId()).isNotEqualTo(started(trigger("evt-2", null), AT).runId());
        }

        @Test
        void record_without_ids_is_identified_by_its_coordinates() {
            StartRun start = started(trigger(null, null), AT);

            assertThat(start.eventId()).isEqualTo("kafka:zaps.triggers:2:41");
            assertThat(start.runId()).isEqualTo(Ids.runIdForEvent(Ids.eventIdForRecord(Topics.TRIGGERS, 2, 41)));
            assertThat(started(trigger(null, null), AT).runId()).isEqualTo(start.runId());
            assertThat(started(trigger(null, null), new RecordCoordinates(Topics.TRIGGERS, 2, 42)).runId()).isNotEqualTo(start.runId());
        }
    }

    @Nested
    class Start {
        @Test
        void pins_the_whole_current_definition() {
            WorkflowDefinition definition = workflow(WorkflowStatus.ACTIVE, 7);

            IntakeDecision decision = intake.decide(trigger("evt-1", null), AT, Optional.of(definition));

            assertThat(decision).isInstanceOf(IntakeDecision.Start.class);
            StartRun start = ((IntakeDecision.Start) decision).command();
            assertThat(start.workflow()).isEqualTo(definition);
            assertThat(start.workflow().version()).isEqualTo(7);
            assertThat(start.schemaVersion()).isEqualTo(1);
            assertThat(decision.runId()).isEqualTo(start.runId());
        }

        @Test
        void workflow_without_status_counts_as_active() {
            assertThat(intake.decide(trigger("evt-1", null), AT, Optional.of(workflow(null, 1))))
                    .isInstanceOf(IntakeDecision.Start.class);
        }

        @Test
        void context_defaults_to_an_empty_object() {
            StartRun start = started(trigger("evt-1", null), AT);

            assertThat(start.context()).isNotNull();
            assertThat(start.context().isEmpty()).isTrue();
        }

        @Test
        void context_and_requested_at_are_taken_from_the_trigger() {
            ObjectNode context = Json.object().put("customer_email", "john@example.com");
            Instant requested = Instant.parse("2026-01-02T03:04:05Z");
            TriggerRequested trigger = TriggerRequested.of("evt-1", null, "invoice_reminder", context, "api", requested);

            StartRun start = started(trigger, AT);

            assertThat(start.context()).isEqualTo(context);
            assertThat(start.requestedAt()).isEqualTo(requested);
        }

        @Test
        void requested_at_defaults_to_now() {
            assertThat(started(trigger("evt-1", null), AT).requestedAt()).isEqualTo(NOW);
        }
    }

    @Nested
    class Reject {
        @Test
        void unknown_workflow() {
            IntakeDecision.Reject reject = rejected(trigger("evt-1", RUN_ID), Optional.empty());

            assertThat(reject.runId()).isEqualTo(RUN_ID);
            assertThat(reject.reason()).isEqualTo("workflow 'invoice_reminder' does not exist");
            RunSnapshot run = reject.event().run();
            assertThat(run.workflowVersion()).isNull();
            assertThat(run.steps()).isEmpty();
        }

        @Test
        void paused_workflow() {
            IntakeDecision.Reject reject = rejected(trigger("evt-1", null), Optional.of(workflow(WorkflowStatus.PAUSED, 4)));

            assertThat(reject.runId()).isEqualTo(Ids.runIdForEvent("evt-1"));
            assertThat(reject.reason()).isEqualTo("workflow 'invoice_reminder' is paused and accepts no triggers");
            RunSnapshot run = reject.event().run();
            assertThat(run.workflowVersion()).isEqualTo(4);
            assertThat(run.steps()).containsOnlyKeys("wait", "notify");
            assertThat(run.steps().values()).allMatch(s -> s.status() == StepStatus.PENDING);
        }

        @Test
        void disabled_workflow() {
            IntakeDecision.Reject reject = rejected(trigger("evt-1", null), Optional.of(workflow(WorkflowStatus.DISABLED, 2)));

            assertThat(reject.reason()).isEqualTo("workflow 'invoice_reminder' is disabled and accepts no triggers");
        }

        @Test
        void stored_file_holding_another_workflow() {
            WorkflowDefinition other = new WorkflowDefinition("other", "Other", null, "wait", WorkflowStatus.ACTIVE, List.of(), 1, NOW, NOW);

            assertThat(rejected(trigger("evt-1", null), Optional.of(other)).reason()).contains("'invoice_reminder'", "'other'");
        }

        @Test
        void rejection_event_ends_the_run_failed() {
            Instant requested = Instant.parse("2026-01-02T03:04:05Z");
            ObjectNode context = Json.object().put("amount", 150);
            TriggerRequested trigger = TriggerRequested.of("evt-1", RUN_ID, "invoice_reminder", context, "api", requested);

            IntakeDecision.Reject reject = rejected(trigger, Optional.empty());

            assertThat(reject.event().type()).isEqualTo(RunEventType.RUN_REJECTED);
            assertThat(reject.event().runId()).isEqualTo(RUN_ID);
            assertThat(reject.event().occurredAt()).isEqualTo(NOW);
            RunSnapshot run = reject.event().run();
            assertThat(run.runId()).isEqualTo(RUN_ID);
            assertThat(run.workflowId()).isEqualTo("invoice_reminder");
            assertThat(run.status()).isEqualTo(RunStatus.FAILED);
            assertThat(run.error()).isEqualTo(reject.reason());
            assertThat(run.revision()).isEqualTo(1);
            assertThat(run.createdAt()).isEqualTo(requested);
            assertThat(run.completedAt()).isEqualTo(NOW);
            assertThat(run.context()).isEqualTo(context);
        }

        @Test
        void rejection_without_requested_at_was_created_now() {
            RunSnapshot run = rejected(trigger("evt-1", null), Optional.empty()).event().run();

            assertThat(run.createdAt()).isEqualTo(NOW);
            assertThat(run.context().isEmpty()).isTrue();
        }

        @Test
        void reason_from_outside_keeps_the_run_id() {
            IntakeDecision.Reject reject = intake.reject(trigger(null, null), AT, "cannot be read");

            assertThat(reject.runId()).isEqualTo(Ids.runIdForEvent(AT.eventId()));
            assertThat(reject.event().run().error()).isEqualTo("cannot be read");
        }
    }

    @Nested
    class Parse {
        @Test
        void smallest_record_from_an_outside_program() {
            TriggerRequested trigger = parse("{\"workflow_id\":\"invoice_reminder\",\"context\":{\"a\":1}}");

            assertThat(trigger.workflowId()).isEqualTo("invoice_reminder");
            assertThat(trigger.context().get("a").asInt()).isEqualTo(1);
        }

        @Test
        void malformed_records_are_refused_with_a_reason() {
            assertThatThrownBy(() -> parse("{not json")).isInstanceOf(MalformedRecordException.class);
            assertThatThrownBy(() -> TriggerIntake.parse(null)).isInstanceOf(MalformedRecordException.class);
            assertThatThrownBy(() -> parse("{\"type\":\"start_run\",\"workflow_id\":\"a\"}"))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("unknown record type");
            assertThatThrownBy(() -> parse("{\"schema_version\":99,\"workflow_id\":\"a\"}"))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("schema_version 99");
            assertThatThrownBy(() -> parse("{\"context\":{}}"))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("workflow_id");
            assertThatThrownBy(() -> parse("{\"workflow_id\":\"../etc/passwd\"}"))
                    .isInstanceOf(MalformedRecordException.class).hasMessageContaining("workflow_id");
            assertThatThrownBy(() -> parse("{\"workflow_id\":\"a\",\"context\":[1]}"))
                    .isInstanceOf(MalformedRecordException.class);
        }

        private TriggerRequested parse(String json) {
            return TriggerIntake.parse(json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private StartRun started(TriggerRequested trigger, RecordCoordinates at) {
        IntakeDecision decision = intake.decide(trigger, at, Optional.of(workflow(WorkflowStatus.ACTIVE, 1)));
        assertThat(decision).isInstanceOf(IntakeDecision.Start.class);
        return ((IntakeDecision.Start) decision).command();
    }

    private IntakeDecision.Reject rejected(TriggerRequested trigger, Optional<WorkflowDefinition> workflow) {
        IntakeDecision decision = intake.decide(trigger, AT, workflow);
        assertThat(decision).isInstanceOf(IntakeDecision.Reject.class);
        return (IntakeDecision.Reject) decision;
    }

    private static TriggerRequested trigger(String eventId, String runId) {
        return new TriggerRequested(null, null, eventId, runId, "invoice_reminder", null, null, null);
    }

    static WorkflowDefinition workflow(WorkflowStatus status, int version) {
        return new WorkflowDefinition("invoice_reminder", "Invoice Reminder", null, "wait", status, List.of(
                new StepDefinition("wait", "delay", Json.object().put("seconds", 2), "notify"),
                new StepDefinition("notify", "webhook", Json.object().put("url", "http://127.0.0.1:8001/notify"), null)),
                version, NOW, NOW);
    }
}
