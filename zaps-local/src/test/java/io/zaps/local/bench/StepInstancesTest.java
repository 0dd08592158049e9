package io.zaps.local.bench;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StepInstancesTest {
    private final Map<String, RunSnapshot> store = new HashMap<>();

    @Test
    void aRunWithoutChildrenCountsTheStepsThatRanNotTheSkippedOrPendingOnes() {
        RunSnapshot run = run("r1", step("only_paid", "filter", StepStatus.COMPLETED, 1, null),
                step("route", "switch", StepStatus.COMPLETED, 1, null),
                step("small", "webhook", StepStatus.SKIPPED, 0, null),
                step("notify", "webhook", StepStatus.FAILED, 3, null),
                step("later", "webhook", StepStatus.PENDING, 0, null));

        assertThat(StepInstances.count(run, store::get)).isEqualTo(new StepInstances(3, 0, 0));
    }

    @Test
    void aLoopAddsEachIterationsStepsFoundByTheChildRunIdsOfItsLastAttempt() {
        RunSnapshot run = run("parent", step("only_paid", "filter", StepStatus.COMPLETED, 1, null),
                step("route", "switch", StepStatus.COMPLETED, 1, null),
                step("small", "webhook", StepStatus.SKIPPED, 0, null),
                step("each", "for_each", StepStatus.COMPLETED, 2, json("{\"count\": 3, \"results\": [1, 2, 3]}")));
        for (int i = 0; i < 3; i++) {
            String id = Ids.childRunId("parent", "each", 2, i);
            store.put(id, run(id, step("notify", "webhook", StepStatus.COMPLETED, 1, null)));
        }
        // a child of the first attempt is not the loop's any more
        String stale = Ids.childRunId("parent", "each", 1, 0);
        store.put(stale, run(stale, step("notify", "webhook", StepStatus.COMPLETED, 1, null)));

        assertThat(StepInstances.count(run, store::get)).isEqualTo(new StepInstances(3 + 3, 3, 0));
    }

    @Test
    void nestedChildrenAndParallelBranchesCountToo() {
        RunSnapshot run = run("top", step("both", "parallel", StepStatus.COMPLETED, 1, json("{\"branches\": {\"a\": 1, \"b\": 2}}")));
        String branchA = Ids.childRunId("top", "both", 1, 0);
        String branchB = Ids.childRunId("top", "both", 1, 1);
        store.put(branchA, run(branchA, step("a", "webhook", StepStatus.COMPLETED, 1, null),
                step("inner", "for_each", StepStatus.COMPLETED, 1, json("{\"count\": 1, \"started\": 1, \"results\": [null]}"))));
        String inner = Ids.childRunId(branchA, "inner", 1, 0);
        store.put(inner, run(inner, step("x", "transform", StepStatus.COMPLETED, 1, null)));
        store.put(branchB, run(branchB, step("b", "webhook", StepStatus.COMPLETED, 1, null)));

        // top: both; A: a, inner; inner's child: x; B: b
        assertThat(StepInstances.count(run, store::get)).isEqualTo(new StepInstances(5, 3, 0));
    }

    @Test
    void aLoopThatStoppedEarlyCountsTheIterationsItStartedAndAMissingSnapshotIsReported() {
        RunSnapshot run = run("p", step("each", "for_each", StepStatus.FAILED, 1,
                json("{\"count\": 10, \"started\": 2, \"failed\": 1, \"results\": []}")));
        String first = Ids.childRunId("p", "each", 1, 0);
        store.put(first, run(first, step("notify", "webhook", StepStatus.FAILED, 1, null)));

        assertThat(StepInstances.count(run, store::get)).isEqualTo(new StepInstances(2, 1, 1));
    }

    private static JsonNode json(String text) {
        return Json.mapper().readTree(text);
    }

    private static StepState step(String id, String type, StepStatus status, int attempt, JsonNode output) {
        return new StepState(id, type, status, attempt, null, null, null, null, output);
    }

    private static RunSnapshot run(String id, StepState... steps) {
        Map<String, StepState> map = new LinkedHashMap<>();
        for (StepState step : steps) {
            map.put(step.stepId(), step);
        }
        return new RunSnapshot(id, "wf", 1, RunStatus.COMPLETED, null, null, null, null, Json.object(), map, null, null, 1);
    }
}
