package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.run.RunStateMachine;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executor stores no timers: a processor that starts over stores someone else filled (a restart, a
 * partition moving to this instance, a task revived after an aborted transaction) derives them from the
 * live runs and fires them, overdue ones at its first punctuation. Real (in-memory) Kafka Streams stores.
 */
class TimersFromStoredRunsTest {
    private static final String RUN_ID = "4f1c2b9a-6d3e-4a57-8b21-9c0d1e2f3a4b";
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private final MutableClock clock = new MutableClock(T0);
    private MockProcessorContext<String, Object> context;

    @BeforeEach
    void stores() {
        context = new MockProcessorContext<>();
        for (String name : new String[] {ExecutorTopology.RUNS_STORE, ExecutorTopology.FINISHED_RUNS_STORE,
                ExecutorTopology.FINISHED_EXPIRY_STORE}) {
            KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                    Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
    }

    private RunCommandProcessor startedProcessor() {
        RunCommandProcessor processor = new RunCommandProcessor(new RunStateMachine(StepTypes.discover()), clock,
                Duration.ofMillis(100), Duration.ofMillis(5), new FinishedRunStore.Retention(Duration.ofHours(24), Duration.ofDays(7)));
        processor.init(context);
        return processor;
    }

    /** Runs the punctuator the latest processor scheduled, with the task up to date (its stream time is now). */
    private void punctuate() {
        punctuate(clock.millis());
    }

    /** Runs the punctuator the latest processor scheduled, with the task's stream time at {@code streamTimeMs}. */
    private void punctuate(long streamTimeMs) {
        context.setCurrentStreamTimeMs(streamTimeMs);
        List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
        punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(clock.millis());
    }

    private List<RunEventType> forwardedEvents() {
        return context.forwarded().stream().filter(f -> f.record().value() instanceof RunEvent)
                .map(f -> ((RunEvent) f.record().value()).type()).toList();
    }

    private List<ExecuteStep> forwardedRequests() {
        return context.forwarded().stream().filter(f -> f.record().value() instanceof ExecuteStep)
                .map(f -> (ExecuteStep) f.record().value()).toList();
    }

    @Test
    void aNewProcessorDerivesTheTimersOfTheStoredRunsAndFiresThoseThatFellDueMeanwhile() {
        RunCommandProcessor before = startedProcessor();
        before.process(new Record<>(RUN_ID, Json.toBytes(delayThenWebhook()), clock.millis()));
        assertThat(forwardedEvents()).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
        before.close();
        context.resetForwards();

        // The delay (2 s) ends while no processor runs; the new one finds it overdue at its first punctuation.
        clock.advance(Duration.ofSeconds(3));
        RunCommandProcessor after = startedProcessor();
        assertThat(after.pendingTimerCount()).as("the delay, derived from the stored run").isEqualTo(1);
        punctuate();
        assertThat(forwardedEvents()).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);
        assertThat(forwardedRequests()).singleElement().extracting(ExecuteStep::attempt).isEqualTo(1);
        context.resetForwards();

        // Once more, mid-attempt: the webhook attempt's timeout (10 s + 5 s grace) is derived as well and fires.
        assertThat(startedProcessor().pendingTimerCount()).as("the attempt's timeout").isEqualTo(1);
        clock.advance(Duration.ofSeconds(14));
        punctuate();
        assertThat(forwardedEvents()).as("not due yet").isEmpty();
        clock.advance(Duration.ofSeconds(2));
        punctuate();
        assertThat(forwardedEvents()).contains(RunEventType.STEP_FAILED);
        assertThat(forwardedEvents()).last().isEqualTo(RunEventType.RUN_FAILED);
    }

    @Test
    void aProcessorThatKeepsRunningFiresTheTimersItsDecisionsScheduledAndNotThoseTheyCancelled() {
        RunCommandProcessor processor = startedProcessor();
        processor.process(new Record<>(RUN_ID, Json.toBytes(delayThenWebhook()), clock.millis()));
        clock.advance(Duration.ofSeconds(2));
        punctuate();
        ExecuteStep request = forwardedRequests().get(0);
        assertThat(processor.pendingTimerCount()).as("the delay fired and left; the attempt's timeout came").isEqualTo(1);
        context.resetForwards();

        processor.process(new Record<>(RUN_ID, Json.toBytes(new io.zaps.contract.command.CompleteStep(SchemaVersions.CURRENT, RUN_ID,
                "notify", 1, request.idempotencyKey(), io.zaps.contract.command.CompleteStep.Outcome.SUCCEEDED, Json.object(),
                null, false, clock.instant(), clock.instant())), clock.millis()));
        assertThat(forwardedEvents()).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        // A finished run would ignore a stale timeout anyway, so only the index shows the cancel was applied.
        assertThat(processor.pendingTimerCount()).as("the answered attempt's timeout is cancelled").isZero();
        context.resetForwards();

        clock.advance(Duration.ofSeconds(60));
        punctuate();
        assertThat(context.forwarded()).as("the answered attempt's timeout was cancelled: nothing fires, nothing is dead-lettered").isEmpty();
    }

    /** The run's webhook attempt dispatched at T0 + 2 s (deadline T0 + 17 s) by a processor that then stops; the request. */
    private ExecuteStep dispatchedThenStopped() {
        RunCommandProcessor before = startedProcessor();
        before.process(new Record<>(RUN_ID, Json.toBytes(delayThenWebhook()), clock.millis()));
        clock.advance(Duration.ofSeconds(2));
        punctuate();
        ExecuteStep request = forwardedRequests().get(0);
        before.close();
        context.resetForwards();
        return request;
    }

    @Test
    void aProcessorThatTookOverReadsTheAnswerQueuedBeforeTheDeadlineBeforeTimingTheAttemptOut() {
        ExecuteStep request = dispatchedThenStopped();
        long streamTime = clock.millis(); // what the stopped processor had read up to
        clock.advance(Duration.ofSeconds(20)); // past the deadline while no processor ran

        RunCommandProcessor after = startedProcessor();
        for (int i = 0; i < 10; i++) { // its first records are slow to come (a transaction being aborted, a broker moving)
            clock.advance(Duration.ofSeconds(1));
            punctuate(streamTime);
        }
        assertThat(context.forwarded()).as("the overdue timeout waits for the records written before the deadline").isEmpty();

        after.process(new Record<>(RUN_ID, Json.toBytes(new io.zaps.contract.command.CompleteStep(SchemaVersions.CURRENT, RUN_ID,
                "notify", 1, request.idempotencyKey(), io.zaps.contract.command.CompleteStep.Outcome.SUCCEEDED, Json.object(),
                null, false, T0.plusSeconds(3), T0.plusSeconds(3))), T0.plusSeconds(3).toEpochMilli()));
        assertThat(forwardedEvents()).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
    }

    @Test
    void aProcessorThatTookOverAndReadsNothingTimesTheOverdueAttemptOutAfterWaitingForItsFirstRecords() {
        dispatchedThenStopped();
        long streamTime = clock.millis();
        clock.advance(Duration.ofSeconds(20));

        startedProcessor();
        clock.advance(AttemptTimeoutHold.ATTEMPT_TIMEOUT_FIRST_RECORD_WAIT.minusMillis(100));
        punctuate(streamTime);
        assertThat(forwardedEvents()).isEmpty();
        clock.advance(Duration.ofMillis(100));
        punctuate(streamTime);
        assertThat(forwardedEvents()).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
    }

    /** A 2 s delay, then a webhook with a 10 s timeout and no retries. */
    private static StartRun delayThenWebhook() {
        WorkflowDefinition workflow = new WorkflowDefinition("remind", "Remind", null, "wait", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("wait", "delay", Json.object().put("seconds", 2), "notify"),
                new StepDefinition("notify", "webhook", Json.object().put("url", "http://127.0.0.1:9/notify").put("timeout_seconds", 10),
                        null, new io.zaps.contract.workflow.RetryPolicy(1, 1.0, 2.0, 1.0, 0.0), null)), 1, T0, T0);
        return new StartRun(SchemaVersions.CURRENT, RUN_ID, workflow, Json.object(), "evt-1", T0);
    }
}
