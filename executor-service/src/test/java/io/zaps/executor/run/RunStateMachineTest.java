package io.zaps.executor.run;

import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.failed;
import static io.zaps.executor.run.Fixtures.fire;
import static io.zaps.executor.run.Fixtures.invoiceContext;
import static io.zaps.executor.run.Fixtures.invoiceReminder;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.succeeded;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

class RunStateMachineTest {

    /** Three webhook steps in a chain: a -> b -> c, plus an unreachable step d. */
    private static WorkflowDefinition chain() {
        return workflow("chain", "a",
                step("a", "webhook", "{\"url\": \"http://127.0.0.1:9/a\"}", "b"),
                step("b", "webhook", "{\"url\": \"http://127.0.0.1:9/b\"}", "c"),
                step("c", "webhook", "{\"url\": \"http://127.0.0.1:9/c\"}", null),
                step("d", "webhook", "{\"url\": \"http://127.0.0.1:9/d\"}", null));
    }

    private static RunState startedChain() {
        return stored(MACHINE.decide(null, start(chain(), json("{}")), T0).state());
    }

    private static RunState delayRunning() {
        return stored(MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0).state());
    }

    private static void assertIgnored(Decision decision, RunState before, IgnoreReason reason) {
        assertThat(decision.wasIgnored()).isTrue();
        assertThat(decision.ignored().reason()).isEqualTo(reason);
        assertThat(decision.ignored().detail()).isNotBlank();
        assertThat(decision.effects()).isEmpty();
        assertThat(decision.state()).as("state unchanged").isSameAs(before);
    }

    @Nested
    class StartRun {
        @Test
        void duplicateStartIsIgnored() {
            RunState existing = delayRunning();
            Decision again = MACHINE.decide(existing, start(invoiceReminder(), invoiceContext()), T0.plusSeconds(1));
            assertIgnored(again, existing, IgnoreReason.DUPLICATE_START);
        }

        @Test
        void entersAWebhookEntryPointDirectly() {
            Decision started = MACHINE.decide(null, start(chain(), json("{}")), T0);
            assertThat(started.effects()).hasSize(4);
            assertThat(started.effects().get(2)).isInstanceOf(Effect.DispatchStep.class);
            assertThat(started.effects().get(3)).isInstanceOf(Effect.ScheduleTimer.class)
                    .extracting(e -> ((Effect.ScheduleTimer) e).kind()).isEqualTo(io.zaps.contract.command.FireTimer.Kind.ATTEMPT_TIMEOUT);
            assertThat(started.state().run().steps().get("a").status()).isEqualTo(StepStatus.RUNNING);
            assertThat(started.state().run().steps()).containsOnlyKeys("a", "b", "c", "d");
        }

        @Test
        void secretsInTheRenderedConfigReachTheConnectorButNeverTheSnapshotOrItsEvents() {
            WorkflowDefinition mail = workflow("mail", "send", step("send", "email", """
                    {"host": "127.0.0.1", "port": 2525, "tls": "none", "username": "bot", "password": "{{ secret('smtp_password') }}",
                     "from": "a@zaps.test", "to": "b@zaps.test", "subject": "hi {{ name }}", "text": "hello"}""", null));
            Decision started = MACHINE.decide(null, start(mail, json("{\"name\": \"hunter2\"}")), T0);
            Effect.DispatchStep dispatch = started.effects().stream().filter(Effect.DispatchStep.class::isInstance)
                    .map(Effect.DispatchStep.class::cast).findFirst().orElseThrow();
            // The connector gets the reference, which only it resolves; the snapshot not even that.
            assertThat(dispatch.request().config().get("password").stringValue())
                    .isEqualTo(io.zaps.contract.template.SecretMarkers.marker("smtp_password"));
            assertThat(started.state().run().steps().get("send").input().get("password").stringValue())
                    .isEqualTo(io.zaps.contract.step.StepSpec.REDACTED);
            started.effects().stream().filter(Effect.PublishEvent.class::isInstance)
                    .forEach(e -> assertThat(io.zaps.contract.Json.toString(((Effect.PublishEvent) e).event().run().steps().get("send").input()))
                            .doesNotContain("smtp_password"));
        }

        @Test
        void missingRequestedAtFallsBackToNow() {
            var command = new io.zaps.contract.command.StartRun(1, Fixtures.RUN_ID, chain(), null, null, null);
            Decision started = MACHINE.decide(null, command, T0);
            assertThat(started.state().run().createdAt()).isEqualTo(T0);
            assertThat(started.state().run().context()).isEqualTo(json("{}"));
        }

        @Test
        void aCyclicWorkflowIsRejectedInsteadOfLooping() {
            WorkflowDefinition cyclic = workflow("loop", "a",
                    step("a", "webhook", "{\"url\": \"http://127.0.0.1:9/a\"}", "b"),
                    step("b", "webhook", "{\"url\": \"http://127.0.0.1:9/b\"}", "a"));
            Decision decision = MACHINE.decide(null, start(cyclic, json("{}")), T0);
            assertThat(decision.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_REJECTED);
            assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
            assertThat(decision.state().run().error()).startsWith("workflow 'loop' (version 3) is not valid: ").contains("cycle");
            assertThat(decision.effects()).noneMatch(Effect.DispatchStep.class::isInstance)
                    .filteredOn(Effect.DeadLetter.class::isInstance).singleElement()
                    .isEqualTo(new Effect.DeadLetter(decision.state().run().error()));
            assertThat(decision.state().workflow()).as("the refused definition is not kept").isNull();
        }

        @Test
        void anUnknownEntryPointFailsTheRun() {
            WorkflowDefinition broken = workflow("broken", "nope", step("a", "webhook", "{\"url\": \"http://127.0.0.1:9/a\"}", null));
            Decision decision = MACHINE.decide(null, start(broken, json("{}")), T0);
            assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
            assertThat(decision.state().run().error()).contains("entry_point: refers to unknown step 'nope'");
        }

        @Test
        void anInvalidDelayIsRejectedNamingTheField() {
            WorkflowDefinition bad = workflow("bad", "wait", step("wait", "delay", "{\"seconds\": \"soon\"}", null));
            Decision decision = MACHINE.decide(null, start(bad, json("{}")), T0);
            assertThat(decision.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_REJECTED);
            assertThat(decision.state().run().error()).contains("steps[0].config.seconds");
        }

        @Test
        void aDefinitionTheGatewayWouldRefuseIsRejectedWhoeverSentIt() {
            // A literal password: the gateway answers 400; a start_run produced straight onto the topic must not run it either.
            WorkflowDefinition forged = workflow("forged", "send", step("send", "email", """
                    {"host": "127.0.0.1", "port": 2525, "tls": "none", "username": "bot", "password": "hunter2",
                     "from": "a@zaps.test", "to": "b@zaps.test", "subject": "hi", "text": "hello"}""", null));
            Decision decision = MACHINE.decide(null, start(forged, json("{}")), T0);
            assertThat(decision.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_REJECTED);
            assertThat(decision.state().run().error()).contains("steps[0].config.password").doesNotContain("hunter2");
            assertThat(decision.effects()).noneMatch(Effect.DispatchStep.class::isInstance);
            assertThat(MACHINE.decide(decision.state(), start(forged, json("{}")), T0.plusSeconds(1)).ignored().reason())
                    .as("a redelivered start is a duplicate").isEqualTo(Decision.IgnoreReason.DUPLICATE_START);
        }
    }

    @Nested
    class Templates {
        @Test
        void anUnknownVariableFailsTheStepAndTheRunNamingTheField() {
            WorkflowDefinition wf = workflow("tpl", "send",
                    step("send", "webhook", "{\"url\": \"http://127.0.0.1:9/x\", \"body\": {\"to\": \"{{ customer_emial }}\"}}", "after"),
                    step("after", "webhook", "{\"url\": \"http://127.0.0.1:9/y\"}", null));

            Decision decision = MACHINE.decide(null, start(wf, json("{\"customer_email\": \"a@b.c\"}")), T0);

            assertThat(decision.effects()).noneMatch(Effect.DispatchStep.class::isInstance);
            assertThat(decision.events()).extracting(RunEvent::type)
                    .containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
            assertThat(decision.events()).extracting(e -> e.run().revision()).containsExactly(1L, 2L, 3L);
            StepState send = decision.state().run().steps().get("send");
            assertThat(send.status()).isEqualTo(StepStatus.FAILED);
            assertThat(send.attempt()).isEqualTo(1);
            assertThat(send.error()).contains("config.body.to").contains("customer_emial");
            assertThat(decision.state().run().error()).startsWith("step 'send' failed: cannot render config.body.to");
            assertThat(decision.state().run().steps().get("after").status()).isEqualTo(StepStatus.SKIPPED);
        }

        @Test
        void anUnknownVariableInsideTextIsAnErrorToo() {
            WorkflowDefinition wf = workflow("tpl", "send",
                    step("send", "webhook", "{\"url\": \"http://127.0.0.1:9/x\", \"headers\": {\"X-Name\": \"Hi {{ nobody }}!\"}}", null));
            Decision decision = MACHINE.decide(null, start(wf, json("{}")), T0);
            assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
            assertThat(decision.state().run().steps().get("send").error()).contains("config.headers.X-Name");
        }

        @Test
        void reservedNamesWinOverContextFields() {
            WorkflowDefinition wf = workflow("tpl", "send",
                    step("send", "webhook", "{\"url\": \"http://127.0.0.1:9/{{ run.id }}\"}", null));
            Decision decision = MACHINE.decide(null, start(wf, json("{\"run\": \"mine\"}")), T0);
            assertThat(decision.state().run().steps().get("send").input().get("url").stringValue())
                    .isEqualTo("http://127.0.0.1:9/" + Fixtures.RUN_ID);
        }
    }

    @Nested
    class CompleteStep {
        @Test
        void resultForUnknownRunIsIgnored() {
            Decision decision = MACHINE.decide(null, succeeded("a", 1, "{}"), T0);
            assertIgnored(decision, null, IgnoreReason.UNKNOWN_RUN);
        }

        @Test
        void resultForAStaleAttemptIsIgnored() {
            RunState running = startedChain();
            assertIgnored(MACHINE.decide(running, succeeded("a", 2, "{}"), T0), running, IgnoreReason.STALE_ATTEMPT);
        }

        @Test
        void resultForAStepNotRunningIsIgnored() {
            RunState running = startedChain();
            assertIgnored(MACHINE.decide(running, succeeded("b", 1, "{}"), T0), running, IgnoreReason.STEP_NOT_RUNNING);
        }

        @Test
        void resultForAnUnknownStepIsIgnored() {
            RunState running = startedChain();
            assertIgnored(MACHINE.decide(running, succeeded("zz", 1, "{}"), T0), running, IgnoreReason.UNKNOWN_STEP);
        }

        @Test
        void aDuplicateResultChangesNothing() {
            RunState afterA = stored(MACHINE.decide(startedChain(), succeeded("a", 1, "{}"), T0.plusSeconds(1)).state());
            assertIgnored(MACHINE.decide(afterA, succeeded("a", 1, "{}"), T0.plusSeconds(2)), afterA, IgnoreReason.STEP_NOT_RUNNING);
            assertIgnored(MACHINE.decide(afterA, failed("a", 1, "late failure", null), T0.plusSeconds(2)), afterA, IgnoreReason.STEP_NOT_RUNNING);
        }

        @Test
        void resultAfterTheRunEndedIsIgnored() {
            RunState failedRun = stored(MACHINE.decide(startedChain(), failed("a", 1, "boom", null), T0.plusSeconds(1)).state());
            assertIgnored(MACHINE.decide(failedRun, succeeded("a", 1, "{}"), T0.plusSeconds(2)), failedRun, IgnoreReason.RUN_FINAL);
        }

        @Test
        void aConnectorResultForADelayStepIsIgnored() {
            RunState running = delayRunning();
            assertIgnored(MACHINE.decide(running, succeeded("delay_step", 1, "{}"), T0.plusSeconds(3)), running, IgnoreReason.NOT_APPLICABLE);
        }

        @Test
        void aFailureWithoutAReasonStillSaysSo() {
            Decision decision = MACHINE.decide(startedChain(), failed("a", 1, " ", null), T0.plusSeconds(1));
            assertThat(decision.state().run().error()).isEqualTo("step 'a' failed: failed without a reason");
        }

        @Test
        void stepsNeverReachedAreSkippedWhenTheRunFails() {
            Decision decision = MACHINE.decide(startedChain(), failed("a", 1, "connection refused", null), T0.plusSeconds(1));
            var steps = decision.state().run().steps();
            assertThat(steps.get("a").status()).isEqualTo(StepStatus.FAILED);
            assertThat(steps.get("b").status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(steps.get("c").status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(steps.get("d").status()).isEqualTo(StepStatus.SKIPPED);
        }

        @Test
        void stepsOffThePathAreSkippedWhenTheRunCompletes() {
            RunState state = startedChain();
            Instant now = T0;
            for (String id : new String[] {"a", "b", "c"}) {
                now = now.plusSeconds(1);
                state = stored(MACHINE.decide(state, succeeded(id, 1, "{\"ok\": true}"), now).state());
            }
            assertThat(state.run().status()).isEqualTo(RunStatus.COMPLETED);
            assertThat(state.run().revision()).isEqualTo(2 + 3 * 2);
            assertThat(state.run().steps().get("d").status()).isEqualTo(StepStatus.SKIPPED);
            assertThat(state.run().steps().get("c").status()).isEqualTo(StepStatus.COMPLETED);
        }
    }

    @Nested
    class FireTimer {
        @Test
        void timerForAWrongAttemptIsIgnored() {
            RunState running = delayRunning();
            assertIgnored(MACHINE.decide(running, fire("delay_step", 2, T0.plusSeconds(2)), T0.plusSeconds(2)), running, IgnoreReason.STALE_ATTEMPT);
        }

        @Test
        void timerBeforeItsDueTimeIsIgnored() {
            RunState running = delayRunning();
            assertIgnored(MACHINE.decide(running, fire("delay_step", 1, T0), T0.plusSeconds(1)), running, IgnoreReason.NOT_DUE);
        }

        @Test
        void timerFiredTwiceCountsOnce() {
            RunState running = delayRunning();
            RunState afterDelay = stored(MACHINE.decide(running, fire("delay_step", 1, T0.plusSeconds(2)), T0.plusSeconds(2)).state());
            assertIgnored(MACHINE.decide(afterDelay, fire("delay_step", 1, T0.plusSeconds(2)), T0.plusSeconds(3)), afterDelay, IgnoreReason.STEP_NOT_RUNNING);
        }

        @Test
        void timerForAWebhookStepIsIgnored() {
            RunState running = startedChain();
            assertIgnored(MACHINE.decide(running, fire("a", 1, T0), T0.plusSeconds(60)), running, IgnoreReason.NOT_APPLICABLE);
        }

        @Test
        void timerForUnknownRunIsIgnored() {
            assertIgnored(MACHINE.decide(null, fire("a", 1, T0), T0), null, IgnoreReason.UNKNOWN_RUN);
        }
    }

    @Test
    void theStateSurvivesItsJsonForm() {
        RunState state = delayRunning();
        assertThat(stored(state)).isEqualTo(state);
        assertThat(state.schemaVersion()).isEqualTo(RunState.CURRENT_SCHEMA_VERSION);
        assertThat(state.eventId()).isEqualTo("evt-1");
    }
}
