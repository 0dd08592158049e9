package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.ExecutorProperties;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.executor.run.RunState;
import io.zaps.executor.run.RunStateMachine;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shell without a broker: Kafka's topology test driver, with wall-clock time moved by hand. */
class ExecutorTopologyTest {
    private static final String RUN_ID = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path stateDir;

    private MutableClock clock;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> webhookRequests;
    private TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void start() {
        clock = new MutableClock(T0);
        ExecutorProperties properties = new ExecutorProperties("127.0.0.1:1", "zaps-executor-test", stateDir.toString(),
                1, Duration.ofMillis(20), Duration.ofMillis(5), Duration.ofMillis(100), 1, (short) 1, false,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofDays(7), Duration.ofSeconds(5), Duration.ofSeconds(5), true, Map.of(), "http://localhost:8080", org.springframework.util.unit.DataSize.ofMegabytes(64), null);
        driver = new TopologyTestDriver(
                ExecutorTopology.build(new RunStateMachine(StepTypes.discover()), clock, properties.timerInterval(),
                        properties.eagerCommitWithin(), ExecutorStreams.retention(properties)),
                ExecutorStreams.streamsConfig(properties, KafkaClientSecurity.NONE), T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        webhookRequests = driver.createOutputTopic(Topics.stepRequests("webhook"), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(Topics.deadLetter(Topics.RUN_COMMANDS), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void runsADelayOnItsTimerThenDispatchesTheWebhookAndCompletes() {
        commands.pipeInput(RUN_ID, Json.toBytes(startRun()));
        assertThat(eventTypes()).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);

        passTime(Duration.ofMillis(1_500));
        assertThat(events.isEmpty()).as("nothing before the delay is due").isTrue();

        passTime(Duration.ofMillis(600));
        assertThat(eventTypes()).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);
        KeyValue<String, byte[]> request = webhookRequests.readKeyValue();
        assertThat(request.key).isEqualTo(RUN_ID);
        ExecuteStep execute = Json.read(request.value, ExecuteStep.class);
        assertThat(execute.config().get("body").get("to").stringValue()).isEqualTo("john@example.com");

        commands.pipeInput(RUN_ID, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "notify", 1,
                execute.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED, Json.object(), null, false, clock.instant(), clock.instant())));
        List<RunEvent> last = readEvents();
        assertThat(last).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        assertThat(last.get(1).run().revision()).isEqualTo(6);

        KeyValueStore<String, byte[]> runs = driver.getKeyValueStore(ExecutorTopology.RUNS_STORE);
        assertThat(runs.get(RUN_ID)).as("a finished run leaves the live state").isNull();
        KeyValueStore<String, byte[]> finished = driver.getKeyValueStore(ExecutorTopology.FINISHED_RUNS_STORE);
        RunState kept = Json.read(finished.get(RUN_ID), RunState.class);
        assertThat(kept.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(kept.run().revision()).isEqualTo(6);
        assertThat(kept.isRetired()).isTrue();
    }

    @Test
    void everyRunEventCarriesItsTypeAndRevisionAsHeaders() {
        commands.pipeInput(RUN_ID, Json.toBytes(startRun()));
        passTime(Duration.ofMillis(2_100));
        List<TestRecord<String, byte[]>> records = events.readRecordsToList();
        assertThat(records).hasSize(4);
        assertThat(records).allSatisfy(r -> {
            RunEvent event = Json.read(r.value(), RunEvent.class);
            assertThat(header(r, Topics.HEADER_EVENT_TYPE)).isEqualTo(event.type().wireName());
            assertThat(header(r, Topics.HEADER_REVISION)).isEqualTo(Long.toString(event.run().revision()));
        });
        assertThat(records).extracting(r -> header(r, Topics.HEADER_REVISION)).containsExactly("1", "2", "3", "4");
    }

    @Test
    void aDuplicateStartRunProducesNothing() {
        commands.pipeInput(RUN_ID, Json.toBytes(startRun()));
        events.readRecordsToList();
        commands.pipeInput(RUN_ID, Json.toBytes(startRun()));
        assertThat(events.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
        passTime(Duration.ofMillis(2_100));
        assertThat(eventTypes()).as("one delay, ended once").containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);
    }

    @Test
    void malformedRecordsAreDeadLetteredWithTheReasonAndProcessingGoesOn() {
        commands.pipeInput(new TestRecord<>(RUN_ID, "{not json".getBytes(StandardCharsets.UTF_8)));
        commands.pipeInput(new TestRecord<>(RUN_ID, "{\"type\": \"launch_rocket\", \"schema_version\": 1}".getBytes(StandardCharsets.UTF_8)));
        byte[] newer = Json.toBytes(startRun()).clone();
        String newerJson = new String(newer, StandardCharsets.UTF_8).replace("\"schema_version\":1", "\"schema_version\":99");
        commands.pipeInput(new TestRecord<>(RUN_ID, newerJson.getBytes(StandardCharsets.UTF_8)));
        commands.pipeInput(new TestRecord<>("someone-else", Json.toBytes(startRun())));
        commands.pipeInput(RUN_ID, Json.toBytes(startRun()));

        List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
        assertThat(dead).hasSize(4);
        assertThat(dead).extracting(r -> header(r, Topics.HEADER_DLT_REASON)).satisfiesExactly(
                reason -> assertThat(reason).startsWith("cannot read RunCommand"),
                reason -> assertThat(reason).contains("launch_rocket"),
                reason -> assertThat(reason).contains("schema_version 99"),
                reason -> assertThat(reason).contains("record key 'someone-else'"));
        assertThat(dead).allSatisfy(r -> {
            assertThat(header(r, Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo(Topics.RUN_COMMANDS);
            assertThat(header(r, Topics.HEADER_DLT_SOURCE_PARTITION)).isEqualTo("0");
        });
        assertThat(dead).extracting(r -> header(r, Topics.HEADER_DLT_SOURCE_OFFSET)).containsExactly("0", "1", "2", "3");
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).as("the original value is kept").isEqualTo("{not json");
        assertThat(eventTypes()).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
    }

    @Test
    void aCallWorkflowTriggerGoesToTheInternalCallTriggersTopicAndAnErrorWorkflowsToThePublicOne() {
        TestOutputTopic<String, byte[]> calls = driver.createOutputTopic(Topics.CALL_TRIGGERS, new StringDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> triggers = driver.createOutputTopic(Topics.TRIGGERS, new StringDeserializer(), new ByteArrayDeserializer());
        WorkflowDefinition caller = new WorkflowDefinition("caller", "caller", null, "call", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("call", "call_workflow", Json.object().put("workflow_id", "billing"), null)),
                1, T0, T0, null, null, new io.zaps.contract.workflow.OnFailure("on_error"));
        commands.pipeInput(RUN_ID, Json.toBytes(new StartRun(SchemaVersions.CURRENT, RUN_ID, caller, Json.object(), "evt-call", T0)));

        io.zaps.contract.event.TriggerRequested call = Json.read(calls.readValue(), io.zaps.contract.event.TriggerRequested.class);
        assertThat(call.workflowId()).isEqualTo("billing");
        assertThat(call.parent().runId()).isEqualTo(RUN_ID);
        assertThat(triggers.isEmpty()).as("nothing with a parent on the public topic").isTrue();

        commands.pipeInput(RUN_ID, Json.toBytes(new io.zaps.contract.command.ChildRunEnded(SchemaVersions.CURRENT, RUN_ID, "call", 1, 0,
                call.runId(), RunStatus.FAILED, null, "no such workflow")));
        io.zaps.contract.event.TriggerRequested onError = Json.read(triggers.readValue(), io.zaps.contract.event.TriggerRequested.class);
        assertThat(onError.workflowId()).isEqualTo("on_error");
        assertThat(onError.parent()).isNull();
        assertThat(calls.isEmpty()).isTrue();
    }

    private void passTime(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    private List<RunEvent> readEvents() {
        List<RunEvent> read = new ArrayList<>();
        for (KeyValue<String, byte[]> record : events.readKeyValuesToList()) {
            assertThat(record.key).isEqualTo(RUN_ID);
            read.add(Json.read(record.value, RunEvent.class));
        }
        return read;
    }

    private List<RunEventType> eventTypes() {
        return readEvents().stream().map(RunEvent::type).toList();
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static StartRun startRun() {
        ObjectNode delayConfig = Json.object().put("seconds", 2);
        ObjectNode webhookConfig = (ObjectNode) Json.mapper().readTree(
                "{\"url\": \"http://127.0.0.1:9/notify\", \"body\": {\"to\": \"{{ customer_email }}\"}}");
        WorkflowDefinition workflow = new WorkflowDefinition("invoice_reminder", "Invoice reminder", null, "wait",
                WorkflowStatus.ACTIVE, List.of(new StepDefinition("wait", "delay", delayConfig, "notify"),
                new StepDefinition("notify", "webhook", webhookConfig, null)), 1, T0, T0);
        return new StartRun(SchemaVersions.CURRENT, RUN_ID, workflow, Json.object().put("customer_email", "john@example.com"), "evt-1", T0);
    }
}
