package io.zaps.executor.stream;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.ExecutorProperties;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.kafka.KafkaClientSecurity;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An attempt timeout waits for the commands written before its deadline ({@code AttemptTimeoutHorizon}): with the
 * topology test driver, the processor's clock and the driver's wall clock moved by hand, and the commands' record
 * timestamps (the task's stream time) set explicitly. The attempt's deadline is T0 + 1 s timeout + 5 s grace.
 */
class AttemptTimeoutBehindABacklogTest {
    private static final String RUN_ID = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final Instant DEADLINE = T0.plusSeconds(6);
    private static final Duration IDLE = AttemptTimeoutHold.ATTEMPT_TIMEOUT_IDLE;

    @TempDir
    Path stateDir;

    private MutableClock clock;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private ExecuteStep request;

    @BeforeEach
    void start() {
        clock = new MutableClock(T0);
        ExecutorProperties properties = new ExecutorProperties("127.0.0.1:1", "zaps-executor-test", stateDir.toString(),
                1, Duration.ofMillis(20), Duration.ofMillis(5), Duration.ofMillis(100), 1, (short) 1, false,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofDays(7), Duration.ofSeconds(5), Duration.ofSeconds(5), true, Map.of(),
                "http://localhost:8080", org.springframework.util.unit.DataSize.ofMegabytes(64), null);
        driver = new TopologyTestDriver(
                ExecutorTopology.build(new RunStateMachine(StepTypes.discover(), properties.deadlineGrace()), clock,
                        properties.timerInterval(), properties.eagerCommitWithin(), ExecutorStreams.retention(properties)),
                ExecutorStreams.streamsConfig(properties, KafkaClientSecurity.NONE), T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> requests = driver.createOutputTopic(Topics.stepRequests("webhook"),
                new StringDeserializer(), new ByteArrayDeserializer());

        pipe(startRun(), T0);
        request = Json.read(requests.readValue(), ExecuteStep.class);
        assertThat(request.deadline()).isEqualTo(DEADLINE);
        assertThat(eventTypes()).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aTaskReadingCommandsWrittenBeforeTheDeadlineReadsTheAnswerQueuedAmongThemInsteadOfTimingTheAttemptOut() {
        // The task catches up a backlog: the wall clock is past the deadline, the commands it reads were written before.
        clock.advance(Duration.ofSeconds(8));
        pipe(startRun(), T0.plusSeconds(1)); // a duplicate start: read and ignored
        passTime(Duration.ofMillis(200));
        pipe(startRun(), T0.plusSeconds(2));
        passTime(Duration.ofMillis(200));
        assertThat(events.isEmpty()).as("the overdue timeout waits while the task reads commands older than the deadline").isTrue();

        pipe(answer(), T0.plusSeconds(3));
        assertThat(eventTypes()).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.RUN_COMPLETED);
        passTime(Duration.ofSeconds(5));
        assertThat(events.isEmpty()).as("the answered attempt's timeout is gone").isTrue();
    }

    @Test
    void theTimeoutFiresOnceTheTaskHasReadACommandWrittenAfterTheDeadline() {
        clock.advance(Duration.ofSeconds(8));
        pipe(startRun(), T0.plusSeconds(1));
        passTime(Duration.ofMillis(200));
        assertThat(events.isEmpty()).isTrue();

        pipe(startRun(), DEADLINE.plusMillis(1)); // written after the deadline: whatever came before it has been read
        passTime(Duration.ofMillis(200));
        assertThat(eventTypes()).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
    }

    @Test
    void aQuietTaskTimesAttemptsOutOnTimeByTheWallClock() {
        // Nothing arrives after the start (6 s before the deadline, more than the idle time): the timeout fires on time.
        passTime(Duration.ofMillis(5_900));
        assertThat(events.isEmpty()).as("not due yet").isTrue();
        passTime(Duration.ofMillis(200));
        assertThat(eventTypes()).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
    }

    @Test
    void aTaskBehindABacklogThatStopsGettingRecordsTimesOutOnceIdle() {
        clock.advance(Duration.ofSeconds(8));
        pipe(startRun(), T0.plusSeconds(1));
        passTime(IDLE.minusMillis(200));
        assertThat(events.isEmpty()).as("read a command written before the deadline lately: not idle yet").isTrue();
        passTime(Duration.ofMillis(300));
        assertThat(eventTypes()).containsExactly(RunEventType.STEP_TIMED_OUT, RunEventType.STEP_FAILED, RunEventType.RUN_FAILED);
    }

    private void pipe(Object command, Instant timestamp) {
        commands.pipeInput(new TestRecord<>(RUN_ID, Json.toBytes(command), timestamp));
    }

    private void passTime(Duration duration) {
        clock.advance(duration);
        driver.advanceWallClockTime(duration);
    }

    private List<RunEventType> eventTypes() {
        return events.readValuesToList().stream().map(v -> Json.read(v, RunEvent.class).type()).toList();
    }

    private CompleteStep answer() {
        return new CompleteStep(SchemaVersions.CURRENT, RUN_ID, "notify", 1, request.idempotencyKey(), CompleteStep.Outcome.SUCCEEDED,
                Json.object(), null, false, T0.plusSeconds(3), T0.plusSeconds(3));
    }

    /** One webhook step: a 1 s timeout, no retries. */
    private static StartRun startRun() {
        WorkflowDefinition workflow = new WorkflowDefinition("notify_once", "Notify once", null, "notify", WorkflowStatus.ACTIVE, List.of(
                new StepDefinition("notify", "webhook", Json.object().put("url", "http://127.0.0.1:9/notify").put("timeout_seconds", 1),
                        null, new RetryPolicy(1, 1.0, 2.0, 1.0, 0.0), null)), 1, T0, T0);
        return new StartRun(SchemaVersions.CURRENT, RUN_ID, workflow, Json.object(), "evt-1", T0);
    }
}
