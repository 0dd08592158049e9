package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * for_each and parallel through whole runs (issue 14): every command the machine sends (child starts,
 * cancels, child_run_ended) is fed back to it, as Kafka would, and the connectors are played by the test.
 */
class ChildRunsScenarioTest {
    private static final int MIB = 1024 * 1024;
    private final Map<String, RunState> runs = new HashMap<>();
    private final Deque<RunCommand> queue = new ArrayDeque<>();
    private final List<ExecuteStep> open = new ArrayList<>();
    /** Every request any connector was ever sent. */
    private final List<ExecuteStep> dispatched = new ArrayList<>();
    private Instant now = T0;
    /** The workflows a call_workflow may name, as the trigger service would find them. */
    private final Map<String, WorkflowDefinition> saved = new HashMap<>();

    private void send(RunCommand command) {
        queue.add(command);
        while (!queue.isEmpty()) {
            RunCommand next = queue.poll();
            Decision decision = MACHINE.decide(runs.get(next.runId()), next, now);
            if (decision.wasIgnored()) {
                continue;
            }
            assertThat(Json.toBytes(decision.state()).length).as("state of " + next.runId()).isLessThan(MIB);
            runs.put(next.runId(), stored(decision.state()));
            for (Effect effect : decision.effects()) {
                if (effect instanceof Effect.SendCommand sent) {
                    assertThat(Json.toBytes(sent.command()).length).isLessThan(MIB);
                    queue.add(sent.command());
                } else if (effect instanceof Effect.DispatchStep dispatch) {
                    open.add(dispatch.request());
                    dispatched.add(dispatch.request());
                } else if (effect instanceof Effect.RequestTrigger request) {
                    queue.add(triggerService(request.trigger()));
                }
            }
        }
    }

    /** What the trigger service makes of a trigger: a start of the saved workflow, or a rejection its parent hears of. */
    private RunCommand triggerService(io.zaps.contract.event.TriggerRequested trigger) {
        WorkflowDefinition workflow = saved.get(trigger.workflowId());
        if (workflow == null) {
            var parent = trigger.parent();
            return new io.zaps.contract.command.ChildRunEnded(SchemaVersions.CURRENT, parent.runId(), parent.stepId(), parent.attempt(),
                    parent.index(), trigger.runId(), RunStatus.FAILED, null, "workflow '" + trigger.workflowId() + "' does not exist");
        }
        return new io.zaps.contract.command.StartRun(SchemaVersions.CURRENT, trigger.runId(), workflow, trigger.context(), trigger.eventId(),
                trigger.requestedAt(), trigger.source(), trigger.parent(), null);
    }

    /** Answers every open connector request: succeeded with {@code output(request)}, or failed when it returns null. */
    private void answerAll(java.util.function.Function<ExecuteStep, JsonNode> output) {
        now = now.plusSeconds(1);
        List<ExecuteStep> answering = new ArrayList<>(open);
        open.clear();
        for (ExecuteStep request : answering) {
            JsonNode out = output.apply(request);
            send(new CompleteStep(SchemaVersions.CURRENT, request.runId(), request.stepId(), request.attempt(), request.idempotencyKey(),
                    out == null ? CompleteStep.Outcome.FAILED : CompleteStep.Outcome.SUCCEEDED, out, out == null ? "sink said no" : null,
                    false, now, now));
        }
    }

    /** Answers one open request: succeeded with its echo, or failed. */
    private void answer(ExecuteStep request, boolean succeed) {
        now = now.plusSeconds(1);
        open.remove(request);
        JsonNode out = succeed ? echo(request) : null;
        send(new CompleteStep(SchemaVersions.CURRENT, request.runId(), request.stepId(), request.attempt(), request.idempotencyKey(),
                succeed ? CompleteStep.Outcome.SUCCEEDED : CompleteStep.Outcome.FAILED, out, succeed ? null : "sink said no",
                false, now, now));
    }

    private ExecuteStep openFor(int n) {
        return open.stream().filter(r -> r.config().path("body").path("n").intValue() == n).findFirst().orElseThrow();
    }

    private long dispatchesFor(int n) {
        return dispatched.stream().filter(r -> r.config().path("body").path("n").intValue() == n).count();
    }

    private RunState parent() {
        return runs.get(RUN_ID);
    }

    private static final WorkflowDefinition LOOP = workflow("loop", "before",
            step("before", "transform", "{\"output\": {\"x\": \"from the parent\"}}", "each"),
            step("each", "for_each", "{\"items\": \"{{ numbers }}\", \"body\": \"call\", \"concurrency\": 2}", "after"),
            step("call", "webhook", "{\"url\": \"http://127.0.0.1:9/n\", \"body\": {\"n\": \"{{ item }}\"}}", "shape"),
            step("shape", "transform", """
                    {"output": {"v": "{{ steps.call.output.echo }}", "i": "{{ index }}", "parent": "{{ steps.before.output.x }}"}}""", null),
            step("after", "transform", "{\"output\": {\"count\": \"{{ steps.each.output.count }}\"}}", null));

    private static JsonNode echo(ExecuteStep request) {
        return Json.object().set("echo", request.config().path("body").path("n"));
    }

    @Test
    void aForEachRunsItsBodyOncePerItemAtMostConcurrencyAtATimeAndCollectsResultsInItemOrder() {
        send(start(LOOP, json("{\"numbers\": [10, 20, 30]}")));
        assertThat(open).as("two at a time").hasSize(2);
        assertThat(parent().run().steps()).as("the body runs in the children only").doesNotContainKeys("call", "shape");
        String firstChild = open.get(0).runId();
        assertThat(runs.get(firstChild).run().parent().runId()).isEqualTo(RUN_ID);
        assertThat(runs.get(firstChild).run().context().path("item").intValue()).isEqualTo(10);

        answerAll(ChildRunsScenarioTest::echo);
        assertThat(open).as("the third starts when one ended").hasSize(1);
        answerAll(ChildRunsScenarioTest::echo);

        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("each").output()).isEqualTo(json("""
                {"count": 3, "results": [{"v": 10, "i": 0, "parent": "from the parent"}, {"v": 20, "i": 1, "parent": "from the parent"},
                                         {"v": 30, "i": 2, "parent": "from the parent"}]}"""));
        assertThat(parent().run().steps().get("after").output()).isEqualTo(json("{\"count\": 3}"));
    }

    @Test
    void aFailedIterationFailsTheStepAndCancelsTheOthers() {
        send(start(LOOP, json("{\"numbers\": [1, 2, 3]}")));
        String second = open.get(1).runId();
        answerAll(request -> request.runId().equals(second) ? echo(request) : null);
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(parent().run().steps().get("each").error()).startsWith("iteration 0 failed: step 'call' failed");
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null).extracting(r -> r.run().status())
                .as("no child left running").doesNotContain(RunStatus.RUNNING);
    }

    @Test
    void withContinueOnErrorAFailedIterationIsAnErrorEntry() {
        WorkflowDefinition tolerant = workflow("tolerant", "each",
                step("each", "for_each", "{\"items\": \"{{ numbers }}\", \"body\": \"call\", \"continue_on_error\": true}", null),
                step("call", "webhook", "{\"url\": \"http://127.0.0.1:9/n\", \"body\": {\"n\": \"{{ item }}\"}}", null));
        send(start(tolerant, json("{\"numbers\": [1, 2]}")));
        answerAll(request -> null);
        answerAll(ChildRunsScenarioTest::echo);
        JsonNode output = parent().run().steps().get("each").output();
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(output.path("failed").intValue()).isEqualTo(1);
        assertThat(output.path("results").get(0).path("error").stringValue()).contains("sink said no");
        assertThat(output.path("results").get(1)).isEqualTo(json("{\"echo\": 2}"));
    }

    @Test
    void itemsThatAreNotAListOrTooManyFailTheStepNamingTheField() {
        WorkflowDefinition capped = workflow("capped", "each",
                step("each", "for_each", "{\"items\": \"{{ numbers }}\", \"body\": \"call\", \"max_items\": 2}", null),
                step("call", "webhook", "{\"url\": \"http://127.0.0.1:9/n\"}", null));
        send(start(capped, json("{\"numbers\": \"1,2\"}")));
        assertThat(parent().run().steps().get("each").error()).startsWith("config.items must be a list");
        runs.clear();
        send(start(capped, json("{\"numbers\": [1, 2, 3]}")));
        assertThat(parent().run().steps().get("each").error()).isEqualTo("config.items has 3 items, more than config.max_items (2)");
    }

    private static final WorkflowDefinition FAN_OUT = workflow("fan", "both",
            step("both", "parallel", "{\"branches\": [\"a\", \"b\"]}", "join"),
            step("a", "webhook", "{\"url\": \"http://127.0.0.1:9/a\", \"body\": {\"n\": \"a\"}}", null),
            step("b", "webhook", "{\"url\": \"http://127.0.0.1:9/b\", \"body\": {\"n\": \"b\"}}", "b2"),
            step("b2", "transform", "{\"output\": {\"after_b\": \"{{ steps.b.output.echo }}\"}}", null),
            step("join", "transform", "{\"output\": {\"a\": \"{{ steps.both.output.branches.a.echo }}\"}}", null));

    @Test
    void parallelBranchesStartTogetherAndTheRunGoesOnWhenAllEnded() {
        send(start(FAN_OUT, json("{}")));
        assertThat(open).extracting(ExecuteStep::stepId).containsExactlyInAnyOrder("a", "b");
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("both").output())
                .isEqualTo(json("{\"branches\": {\"a\": {\"echo\": \"a\"}, \"b\": {\"after_b\": \"b\"}}}"));
        assertThat(parent().run().steps().get("join").output()).isEqualTo(json("{\"a\": \"a\"}"));
    }

    @Test
    void cancellingTheParentCancelsItsChildren() {
        send(start(FAN_OUT, json("{}")));
        send(new CancelRun(SchemaVersions.CURRENT, RUN_ID, now, "changed my mind"));
        assertThat(parent().run().status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null).hasSize(2)
                .allSatisfy(child -> assertThat(child.run().status()).isEqualTo(RunStatus.CANCELLED));
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).as("late results change nothing").isEqualTo(RunStatus.CANCELLED);
    }

    @Test
    void pausingTheParentPausesItsChildrenAndResumingResumesThem() {
        send(start(FAN_OUT, json("{}")));
        send(new io.zaps.contract.command.PauseRun(SchemaVersions.CURRENT, RUN_ID, now, null));
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null).hasSize(2)
                .allSatisfy(child -> assertThat(child.run().status()).isEqualTo(RunStatus.PAUSED));
        send(new io.zaps.contract.command.ResumeRun(SchemaVersions.CURRENT, RUN_ID, now, null));
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null)
                .allSatisfy(child -> assertThat(child.run().status()).isEqualTo(RunStatus.RUNNING));
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aThousandIterationsOfAKibibyteEachCompleteWithinTheRecordLimits() {
        WorkflowDefinition big = workflow("big", "each",
                step("each", "for_each", "{\"items\": \"{{ numbers }}\", \"body\": \"call\", \"concurrency\": 50}", null),
                step("call", "webhook", "{\"url\": \"http://127.0.0.1:9/n\", \"body\": {\"n\": \"{{ item }}\"}}", null));
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            numbers.add(i);
        }
        ObjectNode context = Json.object();
        context.set("numbers", Json.valueToTree(numbers));
        send(start(big, context));
        String kib = "x".repeat(1_024);
        while (!open.isEmpty()) {
            answerAll(request -> Json.object().put("n", request.config().path("body").path("n").intValue()).put("pad", kib));
        }
        JsonNode output = parent().run().steps().get("each").output();
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(output.path("count").intValue()).isEqualTo(1_000);
        assertThat(output.path("results_by_reference").booleanValue()).isTrue();
        assertThat(output.path("results").get(0).path("n").intValue()).isZero();
        assertThat(output.path("results").get(999).path("run_id").isString()).isTrue();
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null).hasSize(1_000)
                .allSatisfy(child -> assertThat(child.run().status()).isEqualTo(RunStatus.COMPLETED));
        assertThat(parent().run().steps().get("each").status()).isEqualTo(StepStatus.COMPLETED);
    }

    private static final WorkflowDefinition CALLER = workflow("caller", "call",
            step("call", "call_workflow", "{\"workflow_id\": \"callee\", \"context\": {\"n\": \"{{ x }}\"}}", "after"),
            step("after", "transform", "{\"output\": {\"got\": \"{{ steps.call.output.output.echo }}\"}}", null));
    private static final WorkflowDefinition CALLEE = workflow("callee", "hook",
            step("hook", "webhook", "{\"url\": \"http://127.0.0.1:9/callee\", \"body\": {\"n\": \"{{ n }}\"}}", null));

    @Test
    void callWorkflowWaitsForTheCalledRunAndGetsItsOutput() {
        saved.put("callee", CALLEE);
        send(start(CALLER, json("{\"x\": 7}")));
        assertThat(open).singleElement().satisfies(request -> {
            assertThat(request.workflowId()).isEqualTo("callee");
            assertThat(runs.get(request.runId()).run().parent().runId()).isEqualTo(RUN_ID);
        });
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("call").output().path("status").stringValue()).isEqualTo("completed");
        assertThat(parent().run().steps().get("after").output()).isEqualTo(json("{\"got\": 7}"));
    }

    @Test
    void aCallOfAnUnknownWorkflowFailsTheStepWithTheReason() {
        send(start(CALLER, json("{\"x\": 7}")));
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(parent().run().steps().get("call").error()).contains("ended failed: workflow 'callee' does not exist");
    }

    @Test
    void withoutWaitTheStepEndsAtOnce() {
        saved.put("callee", CALLEE);
        WorkflowDefinition fireAndForget = workflow("ff", "call",
                step("call", "call_workflow", "{\"workflow_id\": \"callee\", \"wait\": false}", null));
        send(start(fireAndForget, json("{}")));
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        String child = parent().run().steps().get("call").output().path("run_id").stringValue();
        assertThat(runs.get(child).run().status()).isEqualTo(RunStatus.FAILED).as("n is missing in its context");
    }

    @Test
    void aWorkflowThatCallsItselfStopsAtTheDepthLimit() {
        WorkflowDefinition recursive = workflow("recursive", "call",
                step("call", "call_workflow", "{\"workflow_id\": \"recursive\"}", null));
        saved.put("recursive", recursive);
        send(start(recursive, json("{}")));
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(parent().run().error()).contains("nest 11 deep, more than 10");
        assertThat(runs.values()).filteredOn(r -> r.run().parent() != null).hasSize(io.zaps.contract.run.ParentRun.MAX_DEPTH);
    }

    private static WorkflowDefinition loopOf(int concurrency) {
        return workflow("loop", "each",
                step("each", "for_each", "{\"items\": \"{{ numbers }}\", \"body\": \"call\", \"concurrency\": %d}".formatted(concurrency), "after"),
                step("call", "webhook", "{\"url\": \"http://127.0.0.1:9/n\", \"body\": {\"n\": \"{{ item }}\"}}", null),
                step("after", "transform", "{\"output\": {\"sum\": \"{{ steps.each.output.results[0].echo + steps.each.output.results[1].echo + steps.each.output.results[2].echo }}\"}}", null));
    }

    @Test
    void retryRunOfAFailedLoopRerunsOnlyTheFailedIterationUnderANewChildRunAndKeepsTheOthers() {
        send(start(loopOf(3), json("{\"numbers\": [10, 20, 30]}")));
        assertThat(open).hasSize(3);
        String firstChild = openFor(10).runId();
        String failedChild = openFor(20).runId();
        String thirdChild = openFor(30).runId();
        answer(openFor(10), true);
        answer(openFor(30), true);
        answer(openFor(20), false);
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(parent().run().steps().get("each").output().path("failed_indexes")).isEqualTo(Fixtures.node("[1]"));

        RunState failed = parent();
        RetryRun retry = new RetryRun(SchemaVersions.CURRENT, RUN_ID, now, null);
        assertThat(MACHINE.decide(failed, retry, now).effects()).as("a replayed decision starts the same child")
                .isEqualTo(MACHINE.decide(failed, retry, now).effects());
        send(retry);
        assertThat(open).as("only the failed iteration runs again").singleElement().satisfies(request -> {
            assertThat(request.config().at("/body/n").intValue()).isEqualTo(20);
            assertThat(request.runId()).isNotIn(firstChild, failedChild, thirdChild);
            assertThat(runs.get(request.runId()).run().parent().attempt()).isEqualTo(2);
            assertThat(runs.get(request.runId()).run().parent().index()).isEqualTo(1);
        });
        assertThat(parent().run().steps().get("each").attempt()).isEqualTo(2);
        answerAll(ChildRunsScenarioTest::echo);

        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("each").output()).isEqualTo(json("""
                {"count": 3, "results": [{"echo": 10}, {"echo": 20}, {"echo": 30}]}"""));
        assertThat(parent().run().steps().get("after").output()).isEqualTo(json("{\"sum\": 60}"));
        assertThat(dispatchesFor(10)).as("no completed iteration's step runs again").isEqualTo(1);
        assertThat(dispatchesFor(30)).isEqualTo(1);
        assertThat(dispatchesFor(20)).isEqualTo(2);
        assertThat(runs.get(firstChild).run().status()).as("kept child runs").isEqualTo(RunStatus.COMPLETED);
        assertThat(runs.get(failedChild).run().status()).isEqualTo(RunStatus.FAILED);
    }

    @Test
    void retryRunRerunsTheFailedCancelledAndNeverStartedIterationsInItemOrder() {
        send(start(loopOf(2), json("{\"numbers\": [10, 20, 30]}")));
        answer(openFor(10), true);          // 30 starts
        String cancelled = openFor(20).runId();
        answer(openFor(30), false);         // fails the loop, cancels 20
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(runs.get(cancelled).run().status()).isEqualTo(RunStatus.CANCELLED);
        open.clear();                        // the cancelled child's request: its answer would be ignored anyway

        send(new RetryRun(SchemaVersions.CURRENT, RUN_ID, now, null));
        assertThat(open).extracting(r -> r.config().at("/body/n").intValue()).containsExactly(20, 30);
        assertThat(parent().run().steps().get("each").output().path("kept").intValue()).isEqualTo(1);
        answer(openFor(30), true);
        answer(openFor(20), false);
        assertThat(parent().run().status()).as("it can fail again").isEqualTo(RunStatus.FAILED);

        send(new RetryRun(SchemaVersions.CURRENT, RUN_ID, now, null));
        assertThat(open).as("a second retry keeps what the first one completed").singleElement()
                .satisfies(r -> assertThat(r.config().at("/body/n").intValue()).isEqualTo(20));
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("each").output().path("results")).isEqualTo(Fixtures.node("""
                [{"echo": 10}, {"echo": 20}, {"echo": 30}]"""));
        assertThat(dispatchesFor(10)).isEqualTo(1);
        assertThat(dispatchesFor(30)).isEqualTo(2);
        assertThat(parent().run().steps().get("each").attempt()).isEqualTo(3);
    }

    @Test
    void retryRunOfAFailedParallelRerunsOnlyTheFailedBranch() {
        send(start(FAN_OUT, json("{}")));
        ExecuteStep a = open.stream().filter(r -> r.stepId().equals("a")).findFirst().orElseThrow();
        ExecuteStep b = open.stream().filter(r -> r.stepId().equals("b")).findFirst().orElseThrow();
        answer(a, true);
        now = now.plusSeconds(1);
        open.remove(b);
        send(new CompleteStep(SchemaVersions.CURRENT, b.runId(), "b", 1, b.idempotencyKey(), CompleteStep.Outcome.FAILED, null,
                "sink said no", false, now, now));
        assertThat(parent().run().status()).isEqualTo(RunStatus.FAILED);

        send(new RetryRun(SchemaVersions.CURRENT, RUN_ID, now, null));
        assertThat(open).extracting(ExecuteStep::stepId).containsExactly("b");
        answerAll(ChildRunsScenarioTest::echo);
        assertThat(parent().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(parent().run().steps().get("both").output())
                .isEqualTo(json("{\"branches\": {\"a\": {\"echo\": \"a\"}, \"b\": {\"after_b\": \"b\"}}}"));
        assertThat(dispatched).filteredOn(r -> r.stepId().equals("a")).hasSize(1);
    }
}
