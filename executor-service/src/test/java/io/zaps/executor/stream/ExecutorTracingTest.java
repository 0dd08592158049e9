package io.zaps.executor.stream;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.step.StepTypes;
import io.zaps.executor.ExecutorProperties;
import io.zaps.executor.run.RunState;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.ZapsTelemetry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
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
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The executor continues the trace a command carries: its span is the record's child, every record it forwards carries
 * its span, and the run's state keeps the trace so that a timer (which has no record) continues it too.
 */
class ExecutorTracingTest {
    private static final String RUN_ID = "0b7e1d7c-3f7a-4c55-9d51-0d7e8f0a1b2c";
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String CALLER_SPAN = "b7ad6b7169203331";

    @TempDir
    Path stateDir;

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = ZapsTelemetry.sdk(SimpleSpanProcessor.create(spans), "executor-service");
    private MutableClock clock;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> webhookRequests;

    @BeforeEach
    void start() {
        clock = new MutableClock(T0);
        ExecutorProperties properties = new ExecutorProperties("127.0.0.1:1", "zaps-executor-test", stateDir.toString(),
                1, Duration.ofMillis(20), Duration.ofMillis(5), Duration.ofMillis(100), 1, (short) 1, false,
                Duration.ofSeconds(5), Duration.ofHours(24), Duration.ofDays(7), Duration.ofSeconds(5), Duration.ofSeconds(5), true, Map.of(), "http://localhost:8080",
                org.springframework.util.unit.DataSize.ofMegabytes(64), null);
        driver = new TopologyTestDriver(
                ExecutorTopology.build(new RunStateMachine(StepTypes.discover()), clock, properties.timerInterval(),
                        properties.eagerCommitWithin(), ExecutorStreams.retention(properties), new RunTracing(sdk), ExecutorMeters.none()),
                ExecutorStreams.streamsConfig(properties, KafkaClientSecurity.NONE), T0);
        commands = driver.createInputTopic(Topics.RUN_COMMANDS, new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(Topics.RUN_EVENTS, new StringDeserializer(), new ByteArrayDeserializer());
        webhookRequests = driver.createOutputTopic(Topics.stepRequests("webhook"), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        sdk.close();
    }

    @Test
    void aCommandsSpanIsTheChildOfItsRecordsAndATimerContinuesTheTraceKeptInTheRunsState() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_TRACEPARENT, ("00-" + TRACE_ID + "-" + CALLER_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
        commands.pipeInput(new TestRecord<>(RUN_ID, Json.toBytes(ExecutorTopologyTest.startRun()), headers, T0));

        SpanData start = spans.getFinishedSpanItems().get(0);
        assertThat(start.getName()).isEqualTo("executor start_run");
        assertThat(start.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(start.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(events.readRecordsToList()).isNotEmpty().allSatisfy(event ->
                assertThat(traceparent(event)).startsWith("00-" + TRACE_ID + "-" + start.getSpanId() + "-"));
        RunState state = Json.read(runs().get(RUN_ID), RunState.class);
        assertThat(state.traceparent()).startsWith("00-" + TRACE_ID + "-" + start.getSpanId() + "-");

        clock.advance(Duration.ofMillis(2_100));
        driver.advanceWallClockTime(Duration.ofMillis(2_100));

        List<SpanData> finished = spans.getFinishedSpanItems();
        SpanData timer = finished.get(finished.size() - 1);
        assertThat(timer.getName()).isEqualTo("executor fire_timer");
        assertThat(timer.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(timer.getParentSpanId()).isEqualTo(start.getSpanId());
        TestRecord<String, byte[]> request = webhookRequests.readRecord();
        assertThat(traceparent(request)).as("the connector continues from the timer's span")
                .startsWith("00-" + TRACE_ID + "-" + timer.getSpanId() + "-");
        RunState later = Json.read(runs().get(RUN_ID), RunState.class);
        assertThat(later.traceparent()).as("the run's trace is kept as it started").isEqualTo(state.traceparent());
    }

    @Test
    void aCommandWithoutTraceContextStartsATraceThatTheRunKeeps() {
        commands.pipeInput(RUN_ID, Json.toBytes(ExecutorTopologyTest.startRun()));
        SpanData start = spans.getFinishedSpanItems().get(0);
        assertThat(start.getParentSpanContext().isValid()).isFalse();
        RunState state = Json.read(runs().get(RUN_ID), RunState.class);
        assertThat(state.traceparent()).contains(start.getTraceId());
    }

    private KeyValueStore<String, byte[]> runs() {
        return driver.getKeyValueStore(ExecutorTopology.RUNS_STORE);
    }

    private static String traceparent(TestRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(Topics.HEADER_TRACEPARENT);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
