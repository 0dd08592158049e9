package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;

/** Test-data builders for the run state machine. */
final class Fixtures {
    static final String RUN_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover());

    private Fixtures() {}

    static ObjectNode json(String json) {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    static StepDefinition step(String id, String type, String configJson, String next) {
        return new StepDefinition(id, type, json(configJson), next);
    }

    static WorkflowDefinition workflow(String id, String entryPoint, StepDefinition... steps) {
        return new WorkflowDefinition(id, id, null, entryPoint, WorkflowStatus.ACTIVE, List.of(steps), 3, T0, T0);
    }

    /** The prototype's workflow: wait 2 s, then POST the reminder with values from the trigger. */
    static WorkflowDefinition invoiceReminder() {
        return workflow("invoice_reminder", "delay_step",
                step("delay_step", "delay", "{\"seconds\": 2}", "send_reminder"),
                step("send_reminder", "webhook", """
                        {"url": "http://127.0.0.1:8001/notify", "method": "POST", "headers": {},
                         "body": {"to": "{{ customer_email }}", "invoice_id": "{{invoice_id}}", "amount": "{{ amount }}",
                                  "text": "Dear {{ customer_name }}, invoice {{ invoice_id }} is due"}}""", null));
    }

    static ObjectNode invoiceContext() {
        return json("""
                {"customer_email": "john@example.com", "invoice_id": "INV-2023-001", "amount": "$150.00",
                 "due_date": "2023-07-15", "customer_name": "John Doe"}""");
    }

    static StartRun start(WorkflowDefinition workflow, ObjectNode context) {
        return new StartRun(SchemaVersions.CURRENT, RUN_ID, workflow, context, "evt-1", T0);
    }

    static CompleteStep succeeded(String stepId, int attempt, String outputJson) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, stepId, attempt, RUN_ID + ":" + stepId + ":" + attempt,
                CompleteStep.Outcome.SUCCEEDED, outputJson == null ? null : json(outputJson), null, false, T0, T0);
    }

    static CompleteStep failed(String stepId, int attempt, String error, String outputJson) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, stepId, attempt, RUN_ID + ":" + stepId + ":" + attempt,
                CompleteStep.Outcome.FAILED, outputJson == null ? null : json(outputJson), error, true, T0, T0);
    }

    static FireTimer fire(String stepId, int attempt, Instant dueAt) {
        return new FireTimer(SchemaVersions.CURRENT, RUN_ID, stepId, attempt, dueAt);
    }

    /** What the shell does between two commands: the state goes through its JSON form in the store. */
    static RunState stored(RunState state) {
        return Json.read(Json.toBytes(state), RunState.class);
    }

    static JsonNode node(String json) {
        return Json.mapper().readTree(json);
    }
}
