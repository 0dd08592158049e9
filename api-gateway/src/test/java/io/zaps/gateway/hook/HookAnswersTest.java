package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HookAnswersTest {
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
    private static final String RUN = "2f1c7a52-2d7e-4a7c-9d8c-0a0b0c0d0e0f";

    private static StepState step(String id, StepStatus status, Instant end, String output) {
        JsonNode out = output == null ? null : Json.mapper().readTree(output);
        return new StepState(id, "webhook", status, 1, null, T0, end, status == StepStatus.FAILED ? "boom" : null, out);
    }

    private static RunSnapshot run(RunStatus status, String error, StepState... steps) {
        Map<String, StepState> map = new LinkedHashMap<>();
        for (StepState s : steps) {
            map.put(s.stepId(), s);
        }
        return new RunSnapshot(RUN, "wf", 1, status, T0, T0, T0.plusSeconds(9), T0.plusSeconds(9), Json.object(), map, null, error, 5);
    }

    @Test
    void theOutputIsThatOfTheStepThatEndedLastNotTheLastDefined() {
        // defined first, but the chain runs "b" then "a"
        ObjectNode answer = HookAnswers.completion(run(RunStatus.COMPLETED, null,
                step("a", StepStatus.COMPLETED, T0.plusSeconds(5), "{\"n\": 2}"),
                step("b", StepStatus.COMPLETED, T0.plusSeconds(2), "{\"n\": 1}"),
                step("c", StepStatus.SKIPPED, null, null)));
        assertThat(answer).isEqualTo(Json.mapper().readTree(
                "{\"run_id\": \"" + RUN + "\", \"status\": \"completed\", \"step_id\": \"a\", \"output\": {\"n\": 2}, \"error\": null}"));
    }

    @Test
    void aFailedRunAnswersItsErrorAndTheFailedStepsOutput() {
        ObjectNode answer = HookAnswers.completion(run(RunStatus.FAILED, "step 'call' failed: HTTP 500",
                step("first", StepStatus.COMPLETED, T0.plusSeconds(1), "{\"ok\": true}"),
                step("call", StepStatus.FAILED, T0.plusSeconds(3), "{\"response\": {\"status_code\": 500}}")));
        assertThat(answer.get("status").stringValue()).isEqualTo("failed");
        assertThat(answer.get("step_id").stringValue()).isEqualTo("call");
        assertThat(answer.get("output").get("response").get("status_code").intValue()).isEqualTo(500);
        assertThat(answer.get("error").stringValue()).isEqualTo("step 'call' failed: HTTP 500");
    }

    @Test
    void equalEndTimesPickTheLaterDefinedStepAndNoEndedStepMeansNoOutput() {
        assertThat(HookAnswers.lastStep(run(RunStatus.COMPLETED, null,
                step("a", StepStatus.COMPLETED, T0, "{}"), step("b", StepStatus.COMPLETED, T0, "{}"))).orElseThrow().stepId())
                .isEqualTo("b");
        ObjectNode none = HookAnswers.completion(run(RunStatus.CANCELLED, null, step("a", StepStatus.PENDING, null, null)));
        assertThat(none.get("step_id").isNull()).isTrue();
        assertThat(none.get("output").isNull()).isTrue();
        assertThat(none.get("status").stringValue()).isEqualTo("cancelled");
    }
}
