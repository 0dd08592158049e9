package io.zaps.kafka.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.apache.kafka.common.header.Headers;
import org.slf4j.MDC;

/**
 * What a service does while it handles one run: a span (a child of the trace context the record carried, so
 * that one run is one trace across the services) made current for the producers ({@link TraceHeaders#injectCurrent}),
 * and {@code run_id}, {@code step_id}, {@code workflow_id} in the logging context (SLF4J MDC) of every line
 * written meanwhile. {@link RunScope#close} ends the span and puts the logging context back as it was, so that
 * nothing leaks onto the next record handled on the same thread.
 *
 * <p>With tracing off ({@link #noop()}, the default) the spans are no-ops that only pass a parent's context on;
 * the logging context is always kept.
 */
public final class RunTracing {
    /** Logging-context keys (JSON log fields). */
    public static final String RUN_ID = "run_id";
    public static final String STEP_ID = "step_id";
    public static final String WORKFLOW_ID = "workflow_id";

    static final AttributeKey<String> RUN_ID_ATTRIBUTE = AttributeKey.stringKey("zaps.run_id");
    static final AttributeKey<String> STEP_ID_ATTRIBUTE = AttributeKey.stringKey("zaps.step_id");
    static final AttributeKey<String> WORKFLOW_ID_ATTRIBUTE = AttributeKey.stringKey("zaps.workflow_id");

    private static final RunTracing NOOP = new RunTracing(OpenTelemetry.noop());

    private final Tracer tracer;

    public RunTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("io.zaps");
    }

    /** No spans exported; trace context passed on, logging context kept. */
    public static RunTracing noop() {
        return NOOP;
    }

    /**
     * Starts the span of one piece of run handling and makes it current.
     *
     * @param parent the context to continue (from a record's headers or a run's stored traceparent); a new trace when it
     *               carries no span
     * @param runId  the run, when known (else {@link RunScope#ids} later)
     */
    public RunScope start(String name, SpanKind kind, Context parent, String runId, String workflowId, String stepId) {
        Span span = tracer.spanBuilder(name).setSpanKind(kind).setParent(parent == null ? Context.root() : parent).startSpan();
        return new RunScope(span, parent == null ? Context.root() : parent).ids(runId, workflowId, stepId);
    }

    /** {@link #start} as a consumer of {@code headers}' record. */
    public RunScope consume(String name, Headers headers, String runId) {
        return start(name, SpanKind.CONSUMER, TraceHeaders.extract(headers), runId, null, null);
    }

    /** A span made current with the run's ids in the logging context; closing restores both. */
    public static final class RunScope implements AutoCloseable {
        private final Span span;
        private final Context context;
        private final Scope scope;
        private final String previousRunId = MDC.get(RUN_ID);
        private final String previousStepId = MDC.get(STEP_ID);
        private final String previousWorkflowId = MDC.get(WORKFLOW_ID);

        private RunScope(Span span, Context parent) {
            this.span = span;
            this.context = parent.with(span);
            this.scope = context.makeCurrent();
        }

        /** Names the run (null leaves a value as it is), for the logs and the span. */
        public RunScope ids(String runId, String workflowId, String stepId) {
            put(RUN_ID, RUN_ID_ATTRIBUTE, runId);
            put(WORKFLOW_ID, WORKFLOW_ID_ATTRIBUTE, workflowId);
            put(STEP_ID, STEP_ID_ATTRIBUTE, stepId);
            return this;
        }

        private void put(String key, AttributeKey<String> attribute, String value) {
            if (value != null) {
                MDC.put(key, value);
                span.setAttribute(attribute, value);
            }
        }

        /** The span's context: the parent of what this handling produces, also after it closed. */
        public Context context() {
            return context;
        }

        /** The span's {@code traceparent}, or null with tracing off and no parent. */
        public String traceparent() {
            return TraceHeaders.traceparent(context);
        }

        /** Marks the span failed. */
        public void failed(Throwable error) {
            span.recordException(error);
            span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        }

        @Override
        public void close() {
            try {
                span.end();
                scope.close();
            } finally {
                restore(RUN_ID, previousRunId);
                restore(STEP_ID, previousStepId);
                restore(WORKFLOW_ID, previousWorkflowId);
            }
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }
}
