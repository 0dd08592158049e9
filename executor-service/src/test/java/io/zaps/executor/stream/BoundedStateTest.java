package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.run.RunState;
import io.zaps.executor.run.RunStateMachine;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executor's state does not grow with the runs it ever started: finished runs leave the live
 * store after their final event, what is kept of them is enough to ignore duplicates and to retry a
 * failed run, and it is forgotten after its window. Real stores, Kafka's topology test driver.
 */
class BoundedStateTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Duration FINISHED = Duration.ofHours(24);
    private static final Duration FAILED = Duration.ofDays(7);

    @TempDir
    Path stateDir;

    private MutableClock clock;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> requests;

    @BeforeEach
    void start() {
        clock = new MutableClock(T0);
        java.util.Properties config = new java.util.Properties();
        config.put("application.id", "bounded-state-test");
        config.put("bootstrap.servers", "127.0.0.1:1");
        config.put("state.dir", stateDir.toString());
        config.put("default.key.serde", org.apache.kafka.common.serialization.Serdes.StringSerde.class);
        config.put("default.value.serde", org.apache.kafka.common.serialization.Serdes.ByteArraySerde.class);
        driver = new TopologyTestDriver(ExecutorTopology.build(new RunStateMachine(StepTypes.discover()), clock,
                Duration.ofMillis(100), Duration.ZERO, new FinishedRunStore.Retention(FINISHED, FAILED)), config, T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        requests = driver.createOutputTopic(Topics.stepRequests("webhook"), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void theLiveStoreHoldsOnlyUnfinishedRunsAndFinishedOnesAreForgottenAfterTheirWindow() {
        List<String> completed = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> cancelled = new ArrayList<>();
        List<String> running = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String run = runId(i);
            commands.pipeInput(run, Json.toBytes(startRun(run)));
            switch (i % 4) {
                case 0 -> {
                    commands.pipeInput(run, Json.toBytes(result(run, 1, true)));
                    completed.add(run);
                }
                case 1 -> {
                    commands.pipeInput(run, Json.toBytes(result(run, 1, false)));
                    failed.add(run);
                }
                case 2 -> {
                    commands.pipeInput(run, Json.toBytes(new CancelRun(SchemaVersions.CURRENT, run, T0, null)));
                    cancelled.add(run);
                }
                default -> running.add(run);
            }
        }
        String cancelledEarly = runId(1_000);
        commands.pipeInput(cancelledEarly, Json.toBytes(new CancelRun(SchemaVersions.CURRENT, cancelledEarly, T0, "before its start")));

        assertThat(keys(ExecutorTopology.RUNS_STORE)).as("only unfinished runs are live").isEqualTo(new TreeSet<>(running));
        Set<String> finishedRuns = new TreeSet<>(completed);
        finishedRuns.addAll(failed);
        finishedRuns.addAll(cancelled);
        finishedRuns.add(cancelledEarly);
        assertThat(keys(ExecutorTopology.FINISHED_RUNS_STORE)).isEqualTo(finishedRuns);
        RunState completedKept = kept(completed.get(0));
        assertThat(completedKept.isRetired()).isTrue();
        assertThat(completedKept.workflow()).isNull();
        assertThat(completedKept.run().steps()).isEmpty();
        assertThat(completedKept.run().revision()).isEqualTo(4);
        assertThat(kept(failed.get(0)).workflow()).as("a failed run is kept whole, for retry_run").isNotNull();

        // The cancelled-early run still ends cancelled when its start arrives, and stays out of the live store.
        events.readRecordsToList();
        commands.pipeInput(cancelledEarly, Json.toBytes(startRun(cancelledEarly)));
        assertThat(eventTypes()).containsExactly(RunEventType.RUN_CANCELLED);
        assertThat(keys(ExecutorTopology.RUNS_STORE)).doesNotContain(cancelledEarly);

        // After a day: completed and cancelled runs are forgotten; the running ones timed out long ago and failed.
        passTime(FINISHED.plusSeconds(1));
        assertThat(keys(ExecutorTopology.RUNS_STORE)).isEmpty();
        Set<String> stillKept = new TreeSet<>(failed);
        stillKept.addAll(running);
        assertThat(keys(ExecutorTopology.FINISHED_RUNS_STORE)).isEqualTo(stillKept);

        passTime(FAILED.plusSeconds(1));
        assertThat(keys(ExecutorTopology.FINISHED_RUNS_STORE)).as("nothing grows with the runs ever started").isEmpty();
        assertThat(keys(ExecutorTopology.FINISHED_EXPIRY_STORE)).isEmpty();
    }

    @Test
    void aDuplicateStartOrALateResultForAFinishedRunStartsNothing() {
        String run = runId(1);
        commands.pipeInput(run, Json.toBytes(startRun(run)));
        commands.pipeInput(run, Json.toBytes(result(run, 1, true)));
        assertThat(eventTypes()).endsWith(RunEventType.RUN_COMPLETED);
        requests.readRecordsToList();

        commands.pipeInput(run, Json.toBytes(startRun(run)));
        commands.pipeInput(run, Json.toBytes(result(run, 1, false)));
        commands.pipeInput(run, Json.toBytes(new CancelRun(SchemaVersions.CURRENT, run, T0, null)));
        commands.pipeInput(run, Json.toBytes(new RetryRun(SchemaVersions.CURRENT, run, T0, null)));
        passTime(Duration.ofMinutes(1));

        assertThat(events.isEmpty()).as("no event").isTrue();
        assertThat(requests.isEmpty()).as("no step started").isTrue();
        assertThat(keys(ExecutorTopology.RUNS_STORE)).isEmpty();
        assertThat(kept(run).run().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aFailedRunCanStillBeRetriedFromWhatIsKeptAndIsLiveAgainUntilItEnds() {
        String run = runId(2);
        commands.pipeInput(run, Json.toBytes(startRun(run)));
        commands.pipeInput(run, Json.toBytes(result(run, 1, false)));
        assertThat(keys(ExecutorTopology.RUNS_STORE)).isEmpty();
        events.readRecordsToList();
        requests.readRecordsToList();

        passTime(Duration.ofDays(3));
        commands.pipeInput(run, Json.toBytes(new RetryRun(SchemaVersions.CURRENT, run, clock.instant(), null)));
        assertThat(eventTypes()).containsExactly(RunEventType.RUN_RETRIED, RunEventType.STEP_STARTED);
        assertThat(requests.readRecordsToList()).hasSize(1);
        assertThat(keys(ExecutorTopology.RUNS_STORE)).containsExactly(run);
        assertThat(keys(ExecutorTopology.FINISHED_RUNS_STORE)).isEmpty();

        // The old failure's expiry passes while the run is live: nothing of the run is lost.
        passTime(Duration.ofDays(5));
        assertThat(keys(ExecutorTopology.RUNS_STORE)).as("timed out meanwhile (30 s), failed again").isEmpty();
        assertThat(kept(run).run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(kept(run).run().steps().get("send").attempt()).isEqualTo(2);
    }

    @Test
    void finishedRunsLeftInTheLiveStoreByAnOlderExecutorAreMovedOut() {
        String old = runId(3);
        String active = runId(4);
        KeyValueStore<String, byte[]> live = driver.getKeyValueStore(ExecutorTopology.RUNS_STORE);
        RunSnapshot done = new RunSnapshot(old, "hook", 1, RunStatus.COMPLETED, T0, T0, T0, T0, Json.object(), Map.of(), null, null, 4);
        live.put(old, Json.toBytes(RunState.of(done, workflow(), "evt-old")));
        commands.pipeInput(active, Json.toBytes(startRun(active)));

        passTime(Duration.ofMillis(100));

        assertThat(keys(ExecutorTopology.RUNS_STORE)).containsExactly(active);
        assertThat(kept(old).isRetired()).isTrue();
        assertThat(kept(old).run().revision()).isEqualTo(4);
    }

    private void passTime(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    private RunState kept(String runId) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ExecutorTopology.FINISHED_RUNS_STORE);
        byte[] value = store.get(runId);
        assertThat(value).as("kept finished run %s", runId).isNotNull();
        return Json.read(value, RunState.class);
    }

    private Set<String> keys(String storeName) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(storeName);
        Set<String> keys = new TreeSet<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private List<RunEventType> eventTypes() {
        List<RunEventType> types = new ArrayList<>();
        for (KeyValue<String, byte[]> record : events.readKeyValuesToList()) {
            types.add(Json.read(record.value, RunEvent.class).type());
        }
        return types;
    }

    private static String runId(int i) {
        return UUID.nameUUIDFromBytes(("bounded-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    private static WorkflowDefinition workflow() {
        return new WorkflowDefinition("hook", "hook", null, "send", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("send", "webhook", Json.object().put("url", "http://127.0.0.1:9/hook"), null)), 1, T0, T0);
    }

    private static StartRun startRun(String runId) {
        return new StartRun(SchemaVersions.CURRENT, runId, workflow(), Json.object(), "evt-" + runId, T0);
    }

    private CompleteStep result(String runId, int attempt, boolean ok) {
        return new CompleteStep(SchemaVersions.CURRENT, runId, "send", attempt, runId + ":send:" + attempt,
                ok ? CompleteStep.Outcome.SUCCEEDED : CompleteStep.Outcome.FAILED, null, ok ? null : "HTTP 404", false,
                clock.instant(), clock.instant());
    }
}
