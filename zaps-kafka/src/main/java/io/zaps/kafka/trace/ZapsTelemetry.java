package io.zaps.kafka.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/** Builds a service's {@link OpenTelemetry}: the SDK exporting over OTLP when an endpoint is named, else the no-op API. */
public final class ZapsTelemetry {
    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

    private ZapsTelemetry() {
    }

    /** The no-op API for a blank endpoint; else spans batched to {@code <endpoint>/v1/traces} (OTLP over HTTP, protobuf). */
    public static OpenTelemetry create(String otlpEndpoint, String serviceName) {
        if (otlpEndpoint == null || otlpEndpoint.isBlank()) {
            return OpenTelemetry.noop();
        }
        String base = otlpEndpoint.trim().replaceAll("/+$", "");
        SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").build();
        return sdk(BatchSpanProcessor.builder(exporter).build(), serviceName);
    }

    /** The SDK sending every span through {@code processor} (tests: a simple processor over an in-memory exporter). */
    public static OpenTelemetrySdk sdk(SpanProcessor processor, String serviceName) {
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName)));
        SdkTracerProvider tracers = SdkTracerProvider.builder().setResource(resource).addSpanProcessor(processor).build();
        return OpenTelemetrySdk.builder().setTracerProvider(tracers)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    }
}
