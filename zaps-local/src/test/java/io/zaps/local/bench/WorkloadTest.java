package io.zaps.local.bench;

import io.zaps.contract.Json;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkloadTest {

    @ParameterizedTest
    @EnumSource(Workload.class)
    void eachWorkloadsWorkflowIsValid(Workload workload) {
        WorkflowDefinition definition = Json.read(workload.workflow("bench_1", "http://127.0.0.1:1/sink")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), WorkflowDefinition.class);

        assertThat(new WorkflowValidator(StepTypes.discover()).validate(definition)).isEmpty();
    }

    @Test
    void theOptionNamesTheWorkload() {
        assertThat(Workload.parse("control-flow")).isEqualTo(Workload.CONTROL_FLOW);
        assertThat(Workload.parse(" One-Webhook ")).isEqualTo(Workload.ONE_WEBHOOK);
        assertThatThrownBy(() -> Workload.parse("loop")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'loop'");
    }

    @Test
    void theControlFlowWorkloadsTriggerBodyHasTheItemsItLoopsOver() {
        tools.jackson.databind.JsonNode context = Json.mapper().readTree(Workload.CONTROL_FLOW.triggerBody(7)).path("context");
        assertThat(context.path("items")).hasSize(Workload.ITEMS);
        assertThat(context.path("paid").asBoolean()).isTrue();
        assertThat(context.path("amount").asInt()).isGreaterThan(100); // the switch's loop case
        assertThat(Json.mapper().readTree(Workload.ONE_WEBHOOK.triggerBody(7)).path("context").path("n").asInt()).isEqualTo(7);
    }
}
