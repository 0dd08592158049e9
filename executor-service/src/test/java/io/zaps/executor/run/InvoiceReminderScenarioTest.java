package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.failed;
import static io.zaps.executor.run.Fixtures.fire;
import static io.zaps.executor.run.Fixtures.invoiceContext;
import static io.zaps.executor.run.Fixtures.invoiceReminder;
import static io.zaps.executor.run.Fixtures.node;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

/** Whole runs driven through the machine, asserting every emitted effect in order. */
class InvoiceReminderScenarioTest {

    @Test
    void invoiceReminderRunsDelayThenWebhookWithSubstitutedValuesToCompletion() {
        List<RunEvent> allEvents = new ArrayList<>();

        // StartRun: the run starts and enters the delay.
        Decision started = MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0);
        assertThat(started.wasIgnored()).isFalse();
        assertThat(started.effects()).hasSize(3);
        RunEvent runStarted = eventAt(started, 0);
        assertThat(runStarted.type()).isEqualTo(RunEventType.RUN_STARTED);
        assertThat(runStarted.run().revision()).isEqualTo(1);
        assertThat(runStarted.run().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(runStarted.run().createdAt()).isEqualTo(T0);
        assertThat(runStarted.run().startedAt()).isEqualTo(T0);
        assertThat(runStarted.run().workflowVersion()).isEqualTo(3);
        assertThat(runStarted.run().steps().values()).extracting(StepState::status).containsOnly(StepStatus.PENDING);
        RunEvent delayStarted = eventAt(started, 1);
        assertThat(delayStarted.type()).isEqualTo(RunEventType.STEP_STARTED);
        assertThat(delayStarted.stepId()).isEqualTo("delay_step");
        assertThat(delayStarted.run().revision()).isEqualTo(2);
        assertThat(delayStarted.run().currentStepId()).isEqualTo("delay_step");
        StepState delay = delayStarted.run().steps().get("delay_step");
        assertThat(delay.status()).isEqualTo(StepStatus.RUNNING);
        assertThat(delay.attempt()).isEqualTo(1);
        assertThat(delay.startTime()).isEqualTo(T0);
        assertThat(delay.input()).isEqualTo(node("{\"seconds\": 2}"));
        assertThat(started.effects().get(2))
                .isEqualTo(new Effect.ScheduleTimer(RUN_ID, "delay_step", 1, T0.plusSeconds(2)));
        assertThat(started.state().run()).isEqualTo(delayStarted.run());
        allEvents.addAll(started.events());

        // The timer fires: the delay succeeds and the webhook is dispatched with the context filled in.
        Instant fired = T0.plusMillis(2_040);
        Decision afterDelay = MACHINE.decide(stored(started.state()), fire("delay_step", 1, T0.plusSeconds(2)), fired);
        assertThat(afterDelay.effects()).as("2 events, the dispatch and its attempt timeout").hasSize(4);
        RunEvent delaySucceeded = eventAt(afterDelay, 0);
        assertThat(delaySucceeded.type()).isEqualTo(RunEventType.STEP_SUCCEEDED);
        assertThat(delaySucceeded.run().revision()).isEqualTo(3);
        assertThat(delaySucceeded.run().steps().get("delay_step").output()).isEqualTo(node("""
                {"delayed_seconds": 2, "due_at": "2026-01-02T03:04:07Z", "fired_at": "2026-01-02T03:04:07.040Z"}"""));
        assertThat(delaySucceeded.run().steps().get("delay_step").endTime()).isEqualTo(fired);
        RunEvent webhookStarted = eventAt(afterDelay, 1);
        assertThat(webhookStarted.type()).isEqualTo(RunEventType.STEP_STARTED);
        assertThat(webhookStarted.stepId()).isEqualTo("send_reminder");
        assertThat(webhookStarted.run().revision()).isEqualTo(4);
        assertThat(webhookStarted.run().currentStepId()).isEqualTo("send_reminder");

        ExecuteStep request = dispatchAt(afterDelay, 2);
        assertThat(request.runId()).isEqualTo(RUN_ID);
        assertThat(request.workflowId()).isEqualTo("invoice_reminder");
        assertThat(request.stepId()).isEqualTo("send_reminder");
        assertThat(request.stepType()).isEqualTo("webhook");
        assertThat(request.attempt()).isEqualTo(1);
        assertThat(request.idempotencyKey()).isEqualTo(RUN_ID + ":send_reminder:1");
        assertThat(request.requestedAt()).isEqualTo(fired);
        assertThat(request.deadline()).isEqualTo(fired.plusSeconds(30 + 5));
        assertThat(request.config()).isEqualTo(node("""
                {"url": "http://127.0.0.1:8001/notify", "method": "POST", "headers": {},
                 "body": {"to": "john@example.com", "invoice_id": "INV-2023-001", "amount": "$150.00",
                          "text": "Dear John Doe, invoice INV-2023-001 is due"}}"""));
        assertThat(webhookStarted.run().steps().get("send_reminder").input())
                .as("the step's input is the rendered config").isEqualTo(request.config());
        allEvents.addAll(afterDelay.events());

        // The connector answers: the webhook succeeds and the run completes.
        Instant answered = fired.plusMillis(15);
        Decision done = MACHINE.decide(stored(afterDelay.state()),
                succeeded("send_reminder", 1, "{\"response\": {\"status_code\": 200, \"headers\": {}, \"body\": \"ok\"}}"), answered);
        assertThat(done.effects()).hasSize(3);
        assertThat(done.effects().get(0)).as("the answered attempt's timeout is moot").isEqualTo(new Effect.CancelTimer(
                RUN_ID, "send_reminder", 1, fired.plusSeconds(30 + 5), FireTimer.Kind.ATTEMPT_TIMEOUT));
        RunEvent webhookSucceeded = eventAt(done, 1);
        assertThat(webhookSucceeded.type()).isEqualTo(RunEventType.STEP_SUCCEEDED);
        assertThat(webhookSucceeded.run().revision()).isEqualTo(5);
        RunEvent completed = eventAt(done, 2);
        assertThat(completed.type()).isEqualTo(RunEventType.RUN_COMPLETED);
        RunSnapshot finalRun = completed.run();
        assertThat(finalRun.revision()).isEqualTo(6);
        assertThat(finalRun.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(finalRun.completedAt()).isEqualTo(answered);
        assertThat(finalRun.updatedAt()).isEqualTo(answered);
        assertThat(finalRun.currentStepId()).isNull();
        assertThat(finalRun.error()).isNull();
        assertThat(finalRun.steps().values()).extracting(StepState::status).containsOnly(StepStatus.COMPLETED);
        assertThat(finalRun.steps().get("send_reminder").output().get("response").get("status_code").intValue()).isEqualTo(200);
        assertThat(done.state().run()).isEqualTo(finalRun);
        allEvents.addAll(done.events());

        assertThat(allEvents).extracting(RunEvent::type).containsExactly(
                RunEventType.RUN_STARTED, RunEventType.STEP_STARTED,
                RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED,
                RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(allEvents).extracting(e -> e.run().revision()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(allEvents).allSatisfy(e -> {
            assertThat(e.runId()).isEqualTo(RUN_ID);
            assertThat(e.occurredAt()).isEqualTo(e.run().updatedAt());
            assertThat(Json.read(Json.toBytes(e), RunEvent.class)).as("wire round trip").isEqualTo(e);
        });
    }

    @Test
    void webhookAnswering500FailsTheRunWithTheReason() {
        Decision started = MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0);
        Decision afterDelay = MACHINE.decide(stored(started.state()), fire("delay_step", 1, T0.plusSeconds(2)), T0.plusSeconds(2));
        Instant answered = T0.plusSeconds(3);

        Decision failedRun = MACHINE.decide(stored(afterDelay.state()),
                failed("send_reminder", 1, "HTTP 500 Internal Server Error", "{\"response\": {\"status_code\": 500}}"), answered);

        assertThat(failedRun.events()).extracting(RunEvent::type).containsExactly(RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
        assertThat(failedRun.events()).extracting(e -> e.run().revision()).containsExactly(5L, 6L);
        assertThat(failedRun.effects()).filteredOn(e -> !(e instanceof Effect.PublishEvent)).containsExactly(new Effect.CancelTimer(
                RUN_ID, "send_reminder", 1, T0.plusSeconds(2 + 30 + 5), FireTimer.Kind.ATTEMPT_TIMEOUT));
        StepState step = failedRun.events().get(0).run().steps().get("send_reminder");
        assertThat(step.status()).isEqualTo(StepStatus.FAILED);
        assertThat(step.error()).isEqualTo("HTTP 500 Internal Server Error");
        assertThat(step.output()).isEqualTo(node("{\"response\": {\"status_code\": 500}}"));
        assertThat(step.endTime()).isEqualTo(answered);
        RunSnapshot run = failedRun.state().run();
        assertThat(run.status()).isEqualTo(RunStatus.FAILED);
        assertThat(run.error()).isEqualTo("step 'send_reminder' failed: HTTP 500 Internal Server Error");
        assertThat(run.completedAt()).isEqualTo(answered);
        assertThat(run.currentStepId()).as("points at the step that failed").isEqualTo("send_reminder");
        assertThat(run.steps().get("delay_step").status()).isEqualTo(StepStatus.COMPLETED);
    }

    @Test
    void stepOutputsFeedLaterTemplates() {
        var workflow = Fixtures.workflow("order_sync", "fetch",
                Fixtures.step("fetch", "webhook", "{\"url\": \"http://127.0.0.1:9/orders/{{ order_ref }}\", \"method\": \"GET\"}", "notify"),
                Fixtures.step("notify", "webhook", """
                        {"url": "http://127.0.0.1:9/notify",
                         "body": {"id": "{{ steps.fetch.output.response.body.id }}",
                                  "lines": "{{ steps.fetch.output.response.body.lines }}",
                                  "text": "Order {{ steps.fetch.output.response.body.id }} of {{ context.order_ref }} ({{ run.workflow_id }} v{{ run.workflow_version }}, {{ steps.fetch.status }})",
                                  "run": "{{ run.id }}"},
                         "timeout_seconds": 10}""", null));
        Decision started = MACHINE.decide(null, start(workflow, Fixtures.json("{\"order_ref\": \"A-7\"}")), T0);
        assertThat(dispatchAt(started, 2).config().get("url").stringValue()).isEqualTo("http://127.0.0.1:9/orders/A-7");

        Instant now = T0.plusSeconds(1);
        Decision next = MACHINE.decide(stored(started.state()), succeeded("fetch", 1,
                "{\"response\": {\"status_code\": 200, \"body\": {\"id\": 42, \"lines\": [{\"sku\": \"x\"}]}}}"), now);

        ExecuteStep notify = dispatchAt(next, 3);
        assertThat(notify.config().get("body")).isEqualTo(node("""
                {"id": 42, "lines": [{"sku": "x"}], "text": "Order 42 of A-7 (order_sync v3, completed)",
                 "run": "%s"}""".formatted(RUN_ID)));
        assertThat(notify.deadline()).as("the step's own timeout plus the grace").isEqualTo(now.plusSeconds(10 + 5));
    }

    private static RunEvent eventAt(Decision decision, int index) {
        assertThat(decision.effects().get(index)).isInstanceOf(Effect.PublishEvent.class);
        return ((Effect.PublishEvent) decision.effects().get(index)).event();
    }

    private static ExecuteStep dispatchAt(Decision decision, int index) {
        assertThat(decision.effects().get(index)).isInstanceOf(Effect.DispatchStep.class);
        return ((Effect.DispatchStep) decision.effects().get(index)).request();
    }
}
