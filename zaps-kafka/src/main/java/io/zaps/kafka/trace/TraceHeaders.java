package io.zaps.kafka.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.zaps.contract.Topics;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * W3C trace context ({@link Topics#HEADER_TRACEPARENT}, {@link Topics#HEADER_TRACESTATE}) in Kafka record
 * headers, and as one {@code traceparent} string where a run keeps it in its state. Only the API's W3C
 * propagator is used: with tracing off nothing carries a valid span, so nothing is written.
 */
public final class TraceHeaders {
    private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            Set<String> keys = new LinkedHashSet<>();
            for (Header header : headers) {
                keys.add(header.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header header = headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private TraceHeaders() {
    }

    /** The trace context a record carries, over the root context (never the thread's): empty when it carries none. */
    public static Context extract(Headers headers) {
        if (headers == null) {
            return Context.root();
        }
        return W3C.extract(Context.root(), headers, GETTER);
    }

    /**
     * Writes {@code context}'s span into {@code headers}, replacing a trace context they carried; leaves them as they
     * are when the context has no valid span (tracing off). Returns {@code headers}.
     */
    public static Headers inject(Context context, Headers headers) {
        if (Span.fromContext(context).getSpanContext().isValid()) {
            W3C.inject(context, headers, SETTER);
        }
        return headers;
    }

    /** {@link #inject} of the thread's current context: what a producer calls while it handles a run. */
    public static Headers injectCurrent(Headers headers) {
        return inject(Context.current(), headers);
    }

    /** The context's span as one {@code traceparent} value, or null when it has no valid span. */
    public static String traceparent(Context context) {
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(context, carrier, Map::put);
        return carrier.get(Topics.HEADER_TRACEPARENT);
    }

    /** The context a stored {@code traceparent} names (a remote parent), or the root context for null or garbage. */
    public static Context fromTraceparent(String traceparent) {
        if (traceparent == null || traceparent.isBlank()) {
            return Context.root();
        }
        return W3C.extract(Context.root(), Map.of(Topics.HEADER_TRACEPARENT, traceparent), MAP_GETTER);
    }

    /** Whether the context carries a valid span (a parent to continue). */
    public static boolean hasSpan(Context context) {
        return Span.fromContext(context).getSpanContext().isValid();
    }
}
