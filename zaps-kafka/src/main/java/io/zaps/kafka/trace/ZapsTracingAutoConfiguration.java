package io.zaps.kafka.trace;

import io.opentelemetry.api.OpenTelemetry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Every service's {@link RunTracing}: over an {@link OpenTelemetry} given to the context (the all-in-one launcher
 * or a test may register one), else one built from {@link TracingProperties} (no-op unless an OTLP endpoint is set).
 * A built SDK is closed with the context, which flushes its spans.
 */
@AutoConfiguration
@EnableConfigurationProperties(TracingProperties.class)
public class ZapsTracingAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(OpenTelemetry.class)
    public OpenTelemetry zapsOpenTelemetry(TracingProperties properties, Environment environment) {
        String endpoint = properties.otlpEndpoint();
        if (endpoint == null || endpoint.isBlank()) {
            endpoint = environment.getProperty("OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        String name = properties.serviceName();
        if (name == null || name.isBlank()) {
            name = environment.getProperty("spring.application.name", "zaps");
        }
        return ZapsTelemetry.create(endpoint, name);
    }

    @Bean
    @ConditionalOnMissingBean
    public RunTracing zapsRunTracing(OpenTelemetry openTelemetry) {
        return new RunTracing(openTelemetry);
    }
}
