package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.command.Subscribe;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.ExecutorProperties;
import io.zaps.executor.correlation.EventCorrelation;
import io.zaps.executor.run.Backoff;
import io.zaps.executor.run.ResumeLinks;
import io.zaps.executor.run.RunLimits;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.kafka.KafkaClientSecurity;
import org.apache.kafka.common.header.Header;
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
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The correlation of events with waiting runs, through the whole executor topology without a broker: subscriptions
 * travel from the run processor to the correlation processor, an event on zaps.events becomes a resume_step for
 * every run waiting on its key (and only those), which the run processor applies; subscriptions end with the wait.
 */
class EventCorrelationTopologyTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String RUN_A = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2a";
    private static final String RUN_B = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2b";
    private static final String RUN_C = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";

    @TempDir
    Path stateDir;

    private MutableClock clock;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestInputTopic<String, byte[]> events;
    private TestInputTopic<String, byte[]> subscriptionsIn;
    private TestOutputTopic<String, byte[]> runEvents;
    private TestOutputTopic<String, byte[]> eventsDlt;
    private TestOutputTopic<String, byte[]> subscriptionsDlt;
    private final Map<String, StepState> waits = new HashMap<>();

    @BeforeEach
    void start() {
        clock = new MutableClock(T0);
        ExecutorProperties properties = new ExecutorProperties("127.0.0.1:1", "zaps-executor-test", stateDir.toString(),
                1, Duration.ofMillis(20), Duration.ofMillis(5), Duration.ofMillis(100), 1, (short) 1, false,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofDays(7), Duration.ofSeconds(5), Duration.ofSeconds(5), true, Map.of(),
                "https://zaps.example.com", org.springframework.util.unit.DataSize.ofMegabytes(64), null);
        RunStateMachine machine = new RunStateMachine(StepTypes.discover(), Duration.ofSeconds(5), Backoff.Jitter.hashed(),
                RunLimits.DEFAULT, new ResumeLinks(properties.publicUrl(), new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}));
        driver = new TopologyTestDriver(
                ExecutorTopology.build(machine, clock, properties.timerInterval(), properties.eagerCommitWithin(), ExecutorStreams.retention(properties)),
                ExecutorStreams.streamsConfig(properties, KafkaClientSecurity.NONE), T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        subscriptionsIn = driver.createInputTopic(Topics.EVENT_SUBSCRIPTIONS, new StringSerializer(), new ByteArraySerializer());
        runEvents = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        eventsDlt = driver.createOutputTopic(Topics.deadLetter(Topics.EVENTS), new StringDeserializer(), new ByteArrayDeserializer());
        subscriptionsDlt = driver.createOutputTopic(Topics.deadLetter(Topics.EVENT_SUBSCRIPTIONS), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void anEventResumesEveryRunWaitingOnItsKeyAndNoOther() {
        startWaiting(RUN_A, "order-A-1", 3600);
        startWaiting(RUN_B, "order-A-1", 3600);
        startWaiting(RUN_C, "order-B-7", 3600);
        assertThat(subscriptionKeys()).hasSize(3);

        publish("order-A-1", "{\"key\": \"order-A-1\", \"data\": {\"approved\": true}, \"event_id\": \"evt-1\"}");
        Map<String, List<RunEvent>> byRun = readRunEvents();
        assertThat(byRun.keySet()).containsExactlyInAnyOrder(RUN_A, RUN_B);
        for (String run : List.of(RUN_A, RUN_B)) {
            assertThat(byRun.get(run)).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
            assertThat(byRun.get(run).get(1).run().steps().get("approval").output()).isEqualTo(Json.mapper().readTree("{\"approved\": true}"));
        }
        assertThat(subscriptionKeys()).as("the delivered subscriptions are dropped").singleElement()
                .satisfies(k -> assertThat(k).startsWith("order-B-7\0" + RUN_C));

        publish("order-A-1", "{\"data\": {\"approved\": false}}");
        assertThat(runEvents.isEmpty()).as("a second event finds nobody waiting").isTrue();
        assertThat(eventsDlt.isEmpty()).isTrue();
    }

    @Test
    void aResumeUrlUnsubscribesSoALaterEventResumesNothing() {
        startWaiting(RUN_A, "order-A-1", 3600);
        String token = WaitForEventSpec.tokenOf(waits.get(RUN_A).output().get("resume_url").stringValue());
        assertThat(waits.get(RUN_A).output().get("resume_url").stringValue())
                .startsWith("https://zaps.example.com/hooks/runs/" + RUN_A + "/steps/approval/resume?token=");
        command(RUN_A, new ResumeStep(SchemaVersions.CURRENT, RUN_A, "approval", 1, ResumeStep.Source.RESUME_URL, token, null,
                Json.object().put("by", "ada"), null, clock.instant()));
        assertThat(readRunEvents().get(RUN_A)).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(subscriptionKeys()).isEmpty();
        publish("order-A-1", "{}");
        assertThat(runEvents.isEmpty()).isTrue();
    }

    @Test
    void aTimeoutUnsubscribesAndTheRunContinuesWithTimedOut() {
        startWaiting(RUN_A, "order-A-1", 2);
        passTime(Duration.ofMillis(2_100));
        List<RunEvent> timedOut = readRunEvents().get(RUN_A);
        assertThat(timedOut).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(timedOut.get(1).run().steps().get("approval").output()).isEqualTo(Json.mapper().readTree("{\"timed_out\": true}"));
        assertThat(subscriptionKeys()).isEmpty();
    }

    @Test
    void aCancelledRunsSubscriptionIsIgnoredByTheRunThenExpires() {
        startWaiting(RUN_A, "order-A-1", 60);
        command(RUN_A, new CancelRun(SchemaVersions.CURRENT, RUN_A, clock.instant(), "test"));
        assertThat(readRunEvents().get(RUN_A)).extracting(RunEvent::type).containsExactly(RunEventType.RUN_CANCELLED);
        assertThat(subscriptionKeys()).hasSize(1);

        passTime(Duration.ofSeconds(60).plus(Duration.ofMinutes(1)).plusSeconds(11));
        assertThat(subscriptionKeys()).as("dropped a minute after the wait would have timed out").isEmpty();
        assertThat(driver.getKeyValueStore(EventCorrelation.EXPIRY_STORE).approximateNumEntries()).isZero();
        publish("order-A-1", "{}");
        assertThat(runEvents.isEmpty()).isTrue();
    }

    @Test
    void malformedEventsAndSubscriptionsAreDeadLetteredAndCorrelationGoesOn() {
        startWaiting(RUN_A, "order-A-1", 3600);
        events.pipeInput(new TestRecord<>("order-A-1", "{not json".getBytes(StandardCharsets.UTF_8)));
        events.pipeInput(new TestRecord<>("order-A-2", "{\"key\": \"order-A-1\"}".getBytes(StandardCharsets.UTF_8)));
        events.pipeInput(new TestRecord<String, byte[]>(null, "{\"data\": {}}".getBytes(StandardCharsets.UTF_8)));
        events.pipeInput(new TestRecord<>("order-A-1", Json.toBytes(Json.object().put("data", "x".repeat(RunLimits.DEFAULT.maxStepBytes())))));
        subscriptionsIn.pipeInput(new TestRecord<>("k", Json.toBytes(new Subscribe(SchemaVersions.CURRENT, "other", RUN_A, "approval", 1, T0))));
        subscriptionsIn.pipeInput(new TestRecord<>("k", Json.toBytes(new Subscribe(SchemaVersions.CURRENT, "k", "../x", "s", 1, T0))));

        List<String> reasons = eventsDlt.readRecordsToList().stream().map(r -> header(r, Topics.HEADER_DLT_REASON)).toList();
        assertThat(reasons).satisfiesExactly(
                r -> assertThat(r).startsWith("cannot read CorrelationEvent"),
                r -> assertThat(r).contains("keyed by its correlation key 'order-A-1' (was 'order-A-2')"),
                r -> assertThat(r).contains("key must not be empty"),
                r -> assertThat(r).contains("more than the 524288 a step may record"));
        assertThat(subscriptionsDlt.readRecordsToList()).extracting(r -> header(r, Topics.HEADER_DLT_REASON)).satisfiesExactly(
                r -> assertThat(r).contains("is not the subscription's key 'other'"),
                r -> assertThat(r).contains("run_id"));
        assertThat(runEvents.isEmpty()).isTrue();

        publish("order-A-1", "{\"data\": {\"ok\": 1}}");
        assertThat(readRunEvents().get(RUN_A)).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
    }

    private void startWaiting(String runId, String key, int timeoutSeconds) {
        WorkflowDefinition workflow = new WorkflowDefinition("approve", "approve", null, "approval", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("approval", "wait_for_event", Json.object().put("key", "{{ order }}")
                        .put("timeout_seconds", timeoutSeconds).put("on_timeout", "continue"), null)), 1, T0, T0);
        command(runId, new StartRun(SchemaVersions.CURRENT, runId, workflow, Json.object().put("order", key), "evt-" + runId, T0));
        List<RunEvent> started = readRunEvents().get(runId);
        assertThat(started).extracting(RunEvent::type).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
        StepState wait = started.get(1).run().steps().get("approval");
        assertThat(wait.status()).isEqualTo(StepStatus.RUNNING);
        waits.put(runId, wait);
    }

    private void command(String runId, RunCommand command) {
        commands.pipeInput(runId, Json.toBytes(command));
    }

    private void publish(String key, String json) {
        events.pipeInput(key, json.getBytes(StandardCharsets.UTF_8));
    }

    private void passTime(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    private List<String> subscriptionKeys() {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(EventCorrelation.SUBSCRIPTIONS_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(entry -> keys.add(entry.key));
        }
        return keys;
    }

    private Map<String, List<RunEvent>> readRunEvents() {
        Map<String, List<RunEvent>> byRun = new HashMap<>();
        for (KeyValue<String, byte[]> record : runEvents.readKeyValuesToList()) {
            byRun.computeIfAbsent(record.key, k -> new ArrayList<>()).add(Json.read(record.value, RunEvent.class));
        }
        return byRun;
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
