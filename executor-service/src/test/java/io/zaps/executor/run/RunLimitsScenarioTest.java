package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;


import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/** What the machine keeps of a run is bounded (issue 13): a step too large to record fails with the sizes, and the run is abandoned cleanly. */
class RunLimitsScenarioTest {
    private final RunStateMachine machine = new RunStateMachine(StepTypes.discover(), RunStateMachine.DEFAULT_DEADLINE_GRACE,
            Backoff.Jitter.hashed(), new RunLimits(1_000, 10_000));
    private final WorkflowDefinition twoCalls = workflow("calls", "first",
            step("first", "webhook", "{\"url\": \"http://127.0.0.1:9/a\", \"body\": {\"text\": \"{{ text }}\"}}", "second"),
            step("second", "webhook", "{\"url\": \"http://127.0.0.1:9/b\"}", null));

    @Test
    void aConfigThatRendersTooLargeFailsTheStepBeforeItIsSent() {
        Decision decision = machine.decide(null, start(twoCalls, json("{\"text\": \"" + "x".repeat(2_000) + "\"}")), T0);
        assertThat(decision.effects()).noneMatch(Effect.DispatchStep.class::isInstance);
        assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(decision.state().run().steps().get("first").error())
                .matches("the rendered config is \\d+ bytes, more than the 1000 a step may send");
    }

    @Test
    void anOutputTooLargeToRecordFailsTheStepPermanentlyWithoutIt() {
        Decision started = machine.decide(null, start(twoCalls, json("{\"text\": \"hi\"}")), T0);
        ObjectNode big = json("{\"response\": {\"body\": \"" + "y".repeat(5_000) + "\"}}");
        Decision completed = machine.decide(started.state(), new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "first", 1, RUN_ID + ":first:1",
                CompleteStep.Outcome.SUCCEEDED, big, null, false, T0, T0), T0.plusSeconds(1));
        assertThat(completed.state().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(completed.state().run().steps().get("first").output()).isNull();
        assertThat(completed.state().run().steps().get("first").error()).contains("the output is 5").contains("more than the 1000 a step may record");
        assertThat(completed.state().run().steps().get("second").status()).isEqualTo(StepStatus.SKIPPED);
    }

    @Test
    void anAbandonedRunFailsItsRunningStepAndCancelsWhatItWaitedOn() {
        Decision started = machine.decide(null, start(twoCalls, json("{\"text\": \"hi\"}")), T0);
        Decision abandoned = machine.abandon(started.state(), "the executor could not process CompleteStep: java.lang.StackOverflowError", T0.plusSeconds(1));
        assertThat(abandoned.state().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(abandoned.state().run().error()).isEqualTo("step 'first' failed: the executor could not process CompleteStep: java.lang.StackOverflowError");
        assertThat(abandoned.events()).extracting(RunEvent::type).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(abandoned.effects()).filteredOn(Effect.CancelTimer.class::isInstance).hasSize(1);
        assertThat(machine.pendingTimers(abandoned.state())).isEmpty();
        assertThat(machine.abandon(abandoned.state(), "again", T0.plusSeconds(2)).wasIgnored()).as("a finished run stays as it is").isTrue();
        assertThat(machine.abandon(null, "unknown", T0).wasIgnored()).isTrue();
    }

    @Test
    void aRejectedStartCanDropItsContext() {
        Decision rejected = machine.reject(start(twoCalls, json("{\"text\": \"" + "x".repeat(20_000) + "\"}")), T0, "too large", false);
        assertThat(rejected.state().run().context()).isEqualTo(json("{}"));
        assertThat(rejected.state().run().error()).isEqualTo("too large");
        assertThat(rejected.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_REJECTED);
        assertThat(rejected.effects()).contains(new Effect.DeadLetter("too large"));
        assertThat(rejected.state().run().completedAt()).isEqualTo(T0);
    }
}
