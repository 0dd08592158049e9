package io.zaps.kafka.trace;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where spans go. Tracing is off (no-op spans, nothing exported, only the trace context of records passed on)
 * unless an OTLP endpoint is named here or in the standard {@code OTEL_EXPORTER_OTLP_ENDPOINT}.
 *
 * @param otlpEndpoint the OTLP/HTTP collector's base URL, e.g. {@code http://localhost:4318} (spans go to
 *                     {@code <endpoint>/v1/traces}); env {@code ZAPS_TRACING_OTLP_ENDPOINT}; falls back to
 *                     {@code OTEL_EXPORTER_OTLP_ENDPOINT}; blank for none
 * @param serviceName  the {@code service.name} of this service's spans; defaults to {@code spring.application.name}
 */
@ConfigurationProperties("zaps.tracing")
public record TracingProperties(String otlpEndpoint, String serviceName) {
}
