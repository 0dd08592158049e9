package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.succeeded;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/** filter, switch and transform driven through whole runs (issue 14): the executor decides, no connector is asked. */
class ControlStepsScenarioTest {
    private RunState state;
    private Decision last;

    private Decision run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (!last.wasIgnored()) {
            state = stored(last.state());
        }
        return last;
    }

    /** filter → switch (big → approvals, else shop) → both rejoin at a transform. */
    private static final WorkflowDefinition ROUTE = workflow("route", "only_paid",
            step("only_paid", "filter", "{\"condition\": \"{{ paid }}\"}", "route"),
            step("route", "switch", """
                    {"cases": [{"when": "{{ amount > 1000 }}", "next_step_id": "approvals"}], "default_next_step_id": "shop"}""", null),
            step("approvals", "webhook", "{\"url\": \"http://127.0.0.1:9/approve\", \"body\": {\"order\": \"{{ order_id }}\"}}", "summary"),
            step("shop", "webhook", "{\"url\": \"http://127.0.0.1:9/ship\"}", "summary"),
            step("summary", "transform", """
                    {"output": {"order": "{{ order_id }}", "big": "{{ amount > 1000 }}", "double": "{{ amount * 2 }}",
                     "line": "{{ order_id }} via {{ steps.route.output.next_step_id }}"}}""", null));

    private static ObjectNode order(boolean paid, int amount) {
        return json("{\"order_id\": \"A-1\", \"paid\": " + paid + ", \"amount\": " + amount + "}");
    }

    private StepState stepOf(String id) {
        return state.run().steps().get(id);
    }

    @Test
    void aTrueFilterAndASwitchCaseLeadToTheirStepAndTheTransformShapesTheOutput() {
        run(start(ROUTE, order(true, 1500)), T0);
        assertThat(stepOf("only_paid").output()).isEqualTo(json("{\"passed\": true}"));
        assertThat(stepOf("route").output()).isEqualTo(json("{\"case\": 0, \"next_step_id\": \"approvals\"}"));
        assertThat(stepOf("approvals").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(last.effects()).filteredOn(Effect.DispatchStep.class::isInstance).hasSize(1);

        run(succeeded("approvals", 1, "{}"), T0.plusSeconds(1));
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stepOf("shop").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(stepOf("summary").output()).isEqualTo(json(
                "{\"order\": \"A-1\", \"big\": true, \"double\": 3000, \"line\": \"A-1 via approvals\"}"));
        assertThat(last.events()).extracting(RunEvent::type).containsExactly(
                RunEventType.STEP_SUCCEEDED, RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
    }

    @Test
    void theDefaultPathIsTakenWhenNoCaseHolds() {
        run(start(ROUTE, order(true, 10)), T0);
        assertThat(stepOf("route").output()).isEqualTo(json("{\"case\": \"default\", \"next_step_id\": \"shop\"}"));
        assertThat(stepOf("shop").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(stepOf("approvals").status()).isEqualTo(StepStatus.PENDING);
    }

    @Test
    void aFalseFilterCompletesTheRunAndSkipsEverythingAfter() {
        run(start(ROUTE, order(false, 1500)), T0);
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stepOf("only_paid").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(stepOf("only_paid").output()).isEqualTo(json("{\"passed\": false}"));
        assertThat(state.run().steps().values()).filteredOn(s -> !s.stepId().equals("only_paid"))
                .extracting(StepState::status).containsOnly(StepStatus.SKIPPED);
        assertThat(last.effects()).noneMatch(Effect.DispatchStep.class::isInstance);
    }

    @Test
    void aSwitchWithoutDefaultWhereNoCaseHoldsEndsThePath() {
        WorkflowDefinition noDefault = workflow("nodefault", "route",
                step("route", "switch", "{\"cases\": [{\"when\": \"{{ amount > 1000 }}\", \"next_step_id\": \"big\"}]}", null),
                step("big", "webhook", "{\"url\": \"http://127.0.0.1:9/big\"}", null));
        run(start(noDefault, order(true, 5)), T0);
        assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(stepOf("route").output()).isEqualTo(json("{\"case\": \"default\", \"next_step_id\": null}"));
        assertThat(stepOf("big").status()).isEqualTo(StepStatus.SKIPPED);
    }

    @Test
    void aConditionThatIsNotABooleanFailsTheStepPermanently() {
        WorkflowDefinition bad = workflow("bad", "check", step("check", "filter", "{\"condition\": \"{{ order_id }}\"}", null));
        run(start(bad, order(true, 5)), T0);
        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(stepOf("check").error()).contains("config.condition").contains("must be true or false, but is the string 'A-1'");
        assertThat(stepOf("check").attempts()).hasSize(1);
    }

    @Test
    void aPausedRunResumesOnTheSwitchsChosenPath() {
        WorkflowDefinition hookThenSwitch = workflow("hs", "first",
                step("first", "webhook", "{\"url\": \"http://127.0.0.1:9/first\"}", "route"),
                step("route", "switch", "{\"cases\": [{\"when\": \"{{ amount > 1000 }}\", \"next_step_id\": \"big\"}], \"default_next_step_id\": \"small\"}", null),
                step("big", "webhook", "{\"url\": \"http://127.0.0.1:9/big\"}", null),
                step("small", "webhook", "{\"url\": \"http://127.0.0.1:9/small\"}", null));
        run(start(hookThenSwitch, order(true, 5000)), T0);
        run(new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(1));
        run(succeeded("first", 1, "{}"), T0.plusSeconds(2));
        assertThat(stepOf("route").status()).as("nothing new starts while paused").isEqualTo(StepStatus.PENDING);
        run(new ResumeRun(SchemaVersions.CURRENT, RUN_ID, T0.plusSeconds(3), null), T0.plusSeconds(3));
        assertThat(stepOf("route").output()).isEqualTo(json("{\"case\": 0, \"next_step_id\": \"big\"}"));
        assertThat(stepOf("big").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(stepOf("small").status()).isEqualTo(StepStatus.PENDING);
    }
}
