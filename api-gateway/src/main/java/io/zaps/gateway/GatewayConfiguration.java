package io.zaps.gateway;

import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.WorkflowValidator;
import io.zaps.store.FileStore;
import io.zaps.store.IdempotencyStore;
import io.zaps.store.SecretStore;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;

import java.time.Clock;

/** The gateway's building blocks; web and Kafka parts live in their own packages. */
@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    @Bean
    public FileStore gatewayFileStore(GatewayProperties properties) {
        return new FileStore(properties.dataDir());
    }

    @Bean
    public IdempotencyStore gatewayIdempotencyStore(GatewayProperties properties) {
        return new IdempotencyStore(properties.dataDir());
    }

    /**
     * The credential store ({@code <data>/secrets}), keyed by {@code ZAPS_MASTER_KEY} when set (environment or
     * property), else by the data folder's generated key file.
     */
    @Bean
    public SecretStore gatewaySecretStore(GatewayProperties properties, Environment environment, Clock gatewayClock) {
        return SecretStore.open(properties.dataDir(), environment.getProperty(SecretStore.MASTER_KEY_ENV), gatewayClock);
    }

    @Bean
    public StepTypes gatewayStepTypes() {
        return StepTypes.discover();
    }

    @Bean
    public WorkflowValidator gatewayWorkflowValidator(StepTypes gatewayStepTypes) {
        return new WorkflowValidator(gatewayStepTypes);
    }

    @Bean
    public Clock gatewayClock() {
        // Millisecond ticks: every timestamp Zaps writes has one form (the executor and trigger service use millis too).
        return Clock.tickMillis(java.time.ZoneOffset.UTC);
    }

    /**
     * HTTP bodies are read and written by Spring Boot's mapper (it carries the ProblemDetail mix-in);
     * align it with {@link io.zaps.contract.Json} so REST and Kafka JSON look the same.
     */
    @Bean
    public JsonMapperBuilderCustomizer gatewayJsonCustomizer() {
        return builder -> builder
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS);
    }
}
