package io.zaps.kafka.trace;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.zaps.contract.Topics;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RunTracingTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final OpenTelemetrySdk sdk = ZapsTelemetry.sdk(SimpleSpanProcessor.create(exporter), "test");
    private final RunTracing tracing = new RunTracing(sdk);

    @AfterEach
    void close() {
        sdk.close();
        MDC.clear();
    }

    @Test
    void a_record_produced_in_a_span_carries_it_and_the_consumer_continues_the_trace_as_its_child() {
        Headers headers = new RecordHeaders();
        try (RunTracing.RunScope producer = tracing.start("gateway trigger", SpanKind.PRODUCER, Context.root(), "run-1", "wf", null)) {
            TraceHeaders.injectCurrent(headers);
        }
        assertThat(new String(headers.lastHeader(Topics.HEADER_TRACEPARENT).value(), StandardCharsets.UTF_8)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");

        try (RunTracing.RunScope consumer = tracing.consume("trigger-service start_run", headers, "run-1")) {
            assertThat(consumer.traceparent()).isNotNull();
        }

        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans).hasSize(2);
        SpanData producer = spans.get(0);
        SpanData consumer = spans.get(1);
        assertThat(consumer.getTraceId()).isEqualTo(producer.getTraceId());
        assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
        assertThat(consumer.getParentSpanContext().isRemote()).isTrue();
        assertThat(producer.getAttributes().get(RunTracing.RUN_ID_ATTRIBUTE)).isEqualTo("run-1");
        assertThat(producer.getAttributes().get(RunTracing.WORKFLOW_ID_ATTRIBUTE)).isEqualTo("wf");
        assertThat(producer.getResource().getAttribute(ZapsTelemetry.SERVICE_NAME)).isEqualTo("test");
    }

    @Test
    void a_stored_traceparent_continues_the_same_trace() {
        String stored;
        try (RunTracing.RunScope start = tracing.start("executor start_run", SpanKind.CONSUMER, Context.root(), "run-1", null, null)) {
            stored = start.traceparent();
        }
        try (RunTracing.RunScope timer = tracing.start("executor fire_timer", SpanKind.INTERNAL, TraceHeaders.fromTraceparent(stored),
                "run-1", null, "wait")) {
            assertThat(timer.context()).isNotNull();
        }
        List<SpanData> spans = exporter.getFinishedSpanItems();
        assertThat(spans.get(1).getTraceId()).isEqualTo(spans.get(0).getTraceId());
        assertThat(spans.get(1).getParentSpanId()).isEqualTo(spans.get(0).getSpanId());
    }

    @Test
    void the_logging_context_names_the_run_while_it_is_handled_and_is_restored_afterwards() {
        MDC.put(RunTracing.RUN_ID, "outer");
        try (RunTracing.RunScope scope = tracing.start("x", SpanKind.INTERNAL, Context.root(), "run-1", "wf", null)) {
            assertThat(MDC.get(RunTracing.RUN_ID)).isEqualTo("run-1");
            assertThat(MDC.get(RunTracing.WORKFLOW_ID)).isEqualTo("wf");
            assertThat(MDC.get(RunTracing.STEP_ID)).isNull();
            scope.ids(null, null, "send");
            assertThat(MDC.get(RunTracing.STEP_ID)).isEqualTo("send");
            assertThat(MDC.get(RunTracing.RUN_ID)).isEqualTo("run-1");
        }
        assertThat(MDC.get(RunTracing.RUN_ID)).isEqualTo("outer");
        assertThat(MDC.get(RunTracing.WORKFLOW_ID)).isNull();
        assertThat(MDC.get(RunTracing.STEP_ID)).as("nothing leaks onto the next record on this thread").isNull();
    }

    @Test
    void with_tracing_off_nothing_is_written_but_a_carried_context_is_passed_on() {
        RunTracing off = RunTracing.noop();
        Headers none = new RecordHeaders();
        try (RunTracing.RunScope scope = off.consume("x", new RecordHeaders(), "run-1")) {
            TraceHeaders.injectCurrent(none);
            assertThat(scope.traceparent()).isNull();
            assertThat(MDC.get(RunTracing.RUN_ID)).isEqualTo("run-1");
        }
        assertThat(none.toArray()).isEmpty();

        Headers carried = new RecordHeaders();
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        carried.add(Topics.HEADER_TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        Headers out = new RecordHeaders();
        try (RunTracing.RunScope scope = off.consume("x", carried, "run-1")) {
            TraceHeaders.injectCurrent(out);
        }
        assertThat(new String(out.lastHeader(Topics.HEADER_TRACEPARENT).value(), StandardCharsets.UTF_8)).isEqualTo(traceparent);
    }

    @Test
    void a_blank_endpoint_means_no_sdk() {
        assertThat(ZapsTelemetry.create(null, "x")).isSameAs(io.opentelemetry.api.OpenTelemetry.noop());
        assertThat(ZapsTelemetry.create(" ", "x")).isSameAs(io.opentelemetry.api.OpenTelemetry.noop());
        assertThat(TraceHeaders.fromTraceparent("garbage")).isEqualTo(Context.root());
    }
}
