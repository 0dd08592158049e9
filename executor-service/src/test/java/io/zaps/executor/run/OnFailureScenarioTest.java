package io.zaps.executor.run;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.OnFailure;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.node;
import static io.zaps.executor.run.Fixtures.stored;
import static org.assertj.core.api.Assertions.assertThat;

/** A failed run starts its workflow's error workflow: once per failure, never from an error run, never on a replay. */
class OnFailureScenarioTest {
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover());

    private RunState state;
    private Decision last;

    /** One webhook step, no retries, {@code on_failure: alert_ops}. */
    private static WorkflowDefinition guarded(OnFailure onFailure, String entryPoint) {
        return new WorkflowDefinition("billing", "billing", null, entryPoint, WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("charge", "webhook", json("{\"url\": \"http://127.0.0.1:9/charge\"}"), null)),
                4, T0, T0, null, null, onFailure);
    }

    private static StartRun start(WorkflowDefinition workflow, String eventId, String source) {
        return new StartRun(SchemaVersions.CURRENT, RUN_ID, workflow, json("{\"order\": 7}"), eventId, T0, source);
    }

    private Decision run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (!last.wasIgnored()) {
            state = stored(last.state());
        }
        return last;
    }

    private static CompleteStep failed(int attempt) {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "charge", attempt, Ids.idempotencyKey(RUN_ID, "charge", attempt),
                CompleteStep.Outcome.FAILED, null, "HTTP 402 from POST http://127.0.0.1:9/charge", false, T0, T0);
    }

    private static List<TriggerRequested> triggers(Decision decision) {
        return decision.effects().stream().filter(Effect.RequestTrigger.class::isInstance)
                .map(e -> ((Effect.RequestTrigger) e).trigger()).toList();
    }

    @Test
    void aFailedRunAsksForItsErrorWorkflowWithWhatFailed() {
        run(start(guarded(new OnFailure("alert_ops"), "charge"), "evt-1", "api"), T0);
        Instant failedAt = T0.plusSeconds(2);
        run(failed(1), failedAt);

        assertThat(last.events()).extracting(RunEvent::type).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(last.effects().get(last.effects().size() - 1)).as("after the run_failed event").isInstanceOf(Effect.RequestTrigger.class);
        TriggerRequested trigger = triggers(last).get(0);
        assertThat(triggers(last)).hasSize(1);
        assertThat(trigger.type()).isEqualTo(TriggerRequested.TYPE);
        assertThat(trigger.workflowId()).isEqualTo("alert_ops");
        assertThat(trigger.eventId()).isEqualTo("on_failure:" + RUN_ID + ":1");
        assertThat(trigger.runId()).as("derived from the event id by the trigger service").isNull();
        assertThat(trigger.source()).isEqualTo("on_failure");
        assertThat(trigger.requestedAt()).isEqualTo(failedAt);
        assertThat(trigger.context()).isEqualTo(node("""
                {"failed_run_id": "%s", "workflow_id": "billing", "workflow_version": 4, "step_id": "charge",
                 "error": "step 'charge' failed: HTTP 402 from POST http://127.0.0.1:9/charge"}""".formatted(RUN_ID)));
        assertThat(trigger.validated()).as("a record the trigger service accepts").isEqualTo(trigger);
        assertThat(Json.read(Json.toBytes(trigger), TriggerRequested.class)).isEqualTo(trigger);
        assertThat(state.failureCount()).isEqualTo(1);
        assertThat(state.source()).isEqualTo("api");
    }

    @Test
    void aRedeliveryStartsNoSecondErrorRunButEachNewFailureOfARetriedRunDoes() {
        run(start(guarded(new OnFailure("alert_ops"), "charge"), "evt-1", "api"), T0);
        run(failed(1), T0.plusSeconds(1));
        assertThat(triggers(last)).extracting(TriggerRequested::eventId).containsExactly("on_failure:" + RUN_ID + ":1");

        assertThat(run(failed(1), T0.plusSeconds(2)).ignored().reason()).isEqualTo(IgnoreReason.RUN_FINAL);
        assertThat(triggers(last)).isEmpty();

        run(new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(3));
        assertThat(triggers(last)).isEmpty();
        run(failed(2), T0.plusSeconds(4));
        assertThat(triggers(last)).extracting(TriggerRequested::eventId).containsExactly("on_failure:" + RUN_ID + ":2");
        assertThat(Ids.runIdForEvent("on_failure:" + RUN_ID + ":2")).isNotEqualTo(Ids.runIdForEvent("on_failure:" + RUN_ID + ":1"));
    }

    @Test
    void anErrorWorkflowsOwnRunNeverStartsAnotherOne() {
        run(start(guarded(new OnFailure("billing_fallback"), "charge"), "on_failure:" + Ids.runIdForEvent("x") + ":1", "on_failure"), T0);
        run(failed(1), T0.plusSeconds(1));
        assertThat(last.events()).extracting(RunEvent::type).endsWith(RunEventType.RUN_FAILED);
        assertThat(triggers(last)).isEmpty();

        state = null;
        run(start(guarded(new OnFailure("billing_fallback"), "charge"), "on_failure:" + Ids.runIdForEvent("x") + ":1", null), T0);
        run(failed(1), T0.plusSeconds(1));
        assertThat(triggers(last)).as("recognised by its event id when the source did not travel").isEmpty();
    }

    @Test
    void onlyAFailureStartsIt() {
        run(start(guarded(null, "charge"), "evt-1", "api"), T0);
        run(failed(1), T0.plusSeconds(1));
        assertThat(triggers(last)).as("no on_failure").isEmpty();

        state = null;
        run(start(guarded(new OnFailure("alert_ops"), "charge"), "evt-1", "api"), T0);
        run(new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(1));
        assertThat(triggers(last)).as("cancelled is not failed").isEmpty();

        state = null;
        run(start(guarded(new OnFailure("alert_ops"), "charge"), "evt-1", "api"), T0);
        run(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "charge", 1, null, CompleteStep.Outcome.SUCCEEDED, null, null, false, T0, T0),
                T0.plusSeconds(1));
        assertThat(triggers(last)).isEmpty();
    }

    @Test
    void aRunRejectedBeforeItStartsStartsNoErrorWorkflow() {
        // The definition is refused as a whole, its on_failure included (it may not come from the gateway at all).
        run(start(guarded(new OnFailure("alert_ops"), "nowhere"), "evt-1", "api"), T0);
        assertThat(last.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_REJECTED);
        assertThat(last.state().run().error()).contains("entry_point: refers to unknown step 'nowhere'");
        assertThat(triggers(last)).isEmpty();
    }
}
