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
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WebhookSpec;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.ExecutorProperties;
import io.zaps.executor.run.Backoff;
import io.zaps.executor.run.RunLimits;
import io.zaps.executor.run.RunStateMachine;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No command can stop the executor (issue 13): whatever deciding one throws, an Error included, fails
 * that run and dead-letters the command, and a state too large for a record fails the run instead of
 * reaching the changelog; the next run goes on either way.
 */
class ExecutorSurvivalTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String RUN_A = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";
    private static final String RUN_B = "1c8f2e8d-4a8b-4d66-8e62-1e8f9a0b2c3d";

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> deadLetters;

    /** An external step type whose redaction overflows the stack: a stand-in for any bug deep in a decision. */
    private static final class Boom implements StepSpec {
        @Override
        public String type() {
            return "boom";
        }

        @Override
        public boolean external() {
            return true;
        }

        @Override
        public void validate(ObjectNode config, String path, List<Violation> violations) {
        }

        @Override
        public ObjectNode redact(ObjectNode config) {
            return redact(config); // StackOverflowError
        }
    }

    private void start(RunLimits limits) {
        ExecutorProperties properties = new ExecutorProperties("127.0.0.1:1", "zaps-executor-test", stateDir.toString(),
                1, Duration.ofMillis(20), Duration.ofMillis(5), Duration.ofMillis(100), 1, (short) 1, false,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofDays(7), Duration.ofSeconds(5), Duration.ofSeconds(5), true, Map.of(), "http://localhost:8080", org.springframework.util.unit.DataSize.ofMegabytes(64), null);
        StepTypes types = new StepTypes(Stream.concat(ServiceLoader.load(StepSpec.class).stream().map(ServiceLoader.Provider::get), Stream.of(new Boom())).toList());
        RunStateMachine machine = new RunStateMachine(types, RunStateMachine.DEFAULT_DEADLINE_GRACE, Backoff.Jitter.hashed(), limits);
        MutableClock clock = new MutableClock(T0);
        driver = new TopologyTestDriver(ExecutorTopology.build(machine, clock, properties.timerInterval(),
                properties.eagerCommitWithin(), ExecutorStreams.retention(properties)), ExecutorStreams.streamsConfig(properties, io.zaps.kafka.KafkaClientSecurity.NONE), T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(Topics.deadLetter(Topics.RUN_COMMANDS), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void anErrorWhileDecidingFailsThatRunDeadLettersTheCommandAndTheNextRunGoesOn() {
        start(RunLimits.DEFAULT);
        commands.pipeInput(RUN_A, Json.toBytes(startRun(RUN_A, workflow("explodes", webhook("first", "second"), step("second", "boom", null)), Json.object())));
        events.readRecordsToList();
        byte[] complete = Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, RUN_A, "first", 1, RUN_A + ":first:1",
                CompleteStep.Outcome.SUCCEEDED, Json.object(), null, false, T0, T0));
        commands.pipeInput(RUN_A, complete);

        RunEvent failed = last(RUN_A);
        assertThat(failed.type()).isEqualTo(RunEventType.RUN_FAILED);
        assertThat(failed.run().error()).contains("the executor could not process CompleteStep").contains("StackOverflowError");
        TestRecord<String, byte[]> dead = deadLetters.readRecord();
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).contains("StackOverflowError");
        assertThat(dead.value()).isEqualTo(complete);

        commands.pipeInput(RUN_A, complete);
        assertThat(events.isEmpty()).as("a redelivery finds the run failed: no crash loop").isTrue();

        commands.pipeInput(RUN_B, Json.toBytes(startRun(RUN_B, workflow("fine", webhook("only", null)), Json.object())));
        assertThat(last(RUN_B).type()).isEqualTo(RunEventType.STEP_STARTED);
    }

    @Test
    void aStateTooLargeForARecordFailsTheRunInsteadOfReachingTheChangelog() {
        RunLimits limits = new RunLimits(2_000, 6_000);
        start(limits);
        commands.pipeInput(RUN_A, Json.toBytes(startRun(RUN_A, workflow("big", webhook("a", "b"), webhook("b", "c"), webhook("c", null)), Json.object())));
        ObjectNode output = Json.object().put("body", "x".repeat(1_900));
        for (String step : List.of("a", "b", "c")) {
            commands.pipeInput(RUN_A, Json.toBytes(new CompleteStep(SchemaVersions.CURRENT, RUN_A, step, 1, RUN_A + ":" + step + ":1",
                    CompleteStep.Outcome.SUCCEEDED, output, null, false, T0, T0)));
        }
        List<TestRecord<String, byte[]>> records = events.readRecordsToList();
        assertThat(records).allSatisfy(r -> assertThat(r.value().length).isLessThanOrEqualTo(limits.maxStateBytes() + RunLimits.FAILURE_HEADROOM_BYTES));
        RunEvent last = Json.read(records.get(records.size() - 1).value(), RunEvent.class);
        assertThat(last.type()).isEqualTo(RunEventType.RUN_FAILED);
        assertThat(last.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(last.run().error()).contains("the run's state would be").contains("more than the 6000 the executor keeps");

        // A start whose context alone is too large is rejected without it, and dead-lettered.
        commands.pipeInput(RUN_B, Json.toBytes(startRun(RUN_B, workflow("fine", webhook("only", null)),
                Json.object().put("blob", "y".repeat(7_000)))));
        RunEvent rejected = last(RUN_B);
        assertThat(rejected.type()).isEqualTo(RunEventType.RUN_REJECTED);
        assertThat(rejected.run().context().isEmpty()).isTrue();
        assertThat(header(deadLetters.readRecord(), Topics.HEADER_DLT_REASON)).contains("the run's state would be");
    }

    @Test
    void aStartRunOfAnInvalidDefinitionIsRejectedAndDeadLettered() {
        start(RunLimits.DEFAULT);
        ObjectNode literalPassword = (ObjectNode) Json.mapper().readTree("""
                {"host": "127.0.0.1", "port": 2525, "tls": "none", "username": "bot", "password": "hunter2",
                 "from": "a@zaps.test", "to": "b@zaps.test", "subject": "hi", "text": "hello"}""");
        commands.pipeInput(RUN_A, Json.toBytes(startRun(RUN_A, workflow("forged", step("send", "email", literalPassword)), Json.object())));
        RunEvent rejected = last(RUN_A);
        assertThat(rejected.type()).isEqualTo(RunEventType.RUN_REJECTED);
        assertThat(rejected.run().error()).contains("steps[0].config.password");
        assertThat(driver.createOutputTopic(Topics.stepRequests("email"), new StringDeserializer(), new ByteArrayDeserializer()).isEmpty())
                .as("nothing reaches the connector").isTrue();
        assertThat(header(deadLetters.readRecord(), Topics.HEADER_DLT_REASON)).contains("steps[0].config.password").doesNotContain("hunter2");
    }

    private RunEvent last(String runId) {
        List<TestRecord<String, byte[]>> records = events.readRecordsToList();
        assertThat(records).isNotEmpty().allSatisfy(r -> assertThat(r.key()).isEqualTo(runId));
        return Json.read(records.get(records.size() - 1).value(), RunEvent.class);
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static StepDefinition webhook(String id, String next) {
        return new StepDefinition(id, WebhookSpec.TYPE, Json.object().put("url", "http://127.0.0.1:9/" + id), next);
    }

    private static StepDefinition step(String id, String type, ObjectNode config) {
        return new StepDefinition(id, type, config, null);
    }

    private static WorkflowDefinition workflow(String id, StepDefinition... steps) {
        return new WorkflowDefinition(id, id, null, steps[0].id(), WorkflowStatus.ACTIVE, List.of(steps), 1, T0, T0);
    }

    private static StartRun startRun(String runId, WorkflowDefinition workflow, ObjectNode context) {
        return new StartRun(SchemaVersions.CURRENT, runId, workflow, context, "evt-" + runId, T0);
    }
}
