package io.zaps.connector;

import io.zaps.connector.secret.SecretLookup;
import io.zaps.connector.secret.SecretResolvingHandler;
import io.zaps.connector.secret.StoreSecretLookup;
import io.zaps.contract.step.StepTypes;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.store.SecretStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Turns every {@link StepHandler} bean into a consumer of its step type's request topic. Active only
 * in a context that has at least one handler, so other services sharing the class path (the local
 * launcher runs them all in one JVM) are untouched.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
        "io.zaps.kafka.ZapsKafkaAutoConfiguration"})
@ConditionalOnBean(StepHandler.class)
@EnableConfigurationProperties(ConnectorProperties.class)
public class ConnectorAutoConfiguration {

    @Bean
    public StepHandlerRegistry zapsStepHandlerRegistry(List<StepHandler> handlers) {
        return new StepHandlerRegistry(handlers, StepTypes.discover());
    }

    /**
     * The credential store of the data folder ({@code zaps.connector.data-dir}, else {@code ZAPS_DATA_DIR}), keyed by
     * {@code ZAPS_MASTER_KEY} like the gateway's; opened on the first step that references a secret.
     */
    @Bean
    @ConditionalOnMissingBean
    public SecretLookup zapsConnectorSecretLookup(ConnectorProperties properties, Environment environment, ObjectProvider<Clock> clock) {
        Path dataDir = properties.dataDir() != null ? properties.dataDir() : Path.of(environment.getProperty("ZAPS_DATA_DIR", "./.zaps"));
        return new StoreSecretLookup(dataDir, environment.getProperty(SecretStore.MASTER_KEY_ENV), clock.getIfAvailable(Clock::systemUTC));
    }

    @Bean
    @SuppressWarnings("unchecked")
    public StepListenerContainers zapsStepListenerContainers(StepHandlerRegistry registry,
                                                             ConcurrentKafkaListenerContainerFactory<?, ?> kafkaListenerContainerFactory,
                                                             RecordPublisher publisher, ConnectorProperties properties,
                                                             ObjectProvider<Clock> clock, SecretLookup secrets,
                                                             ObjectProvider<RunTracing> tracing) {
        // Every handler gets the secrets its config references, and never answers with them (io.zaps.connector.secret).
        StepHandlerRegistry resolving = new StepHandlerRegistry(registry.handlers().stream()
                .map(handler -> (StepHandler) new SecretResolvingHandler(handler, secrets)).toList(), StepTypes.discover());
        // Boot's factory is declared <?, ?>; the application.yml of a connector configures String keys and byte[] values.
        return new StepListenerContainers(resolving,
                (ConcurrentKafkaListenerContainerFactory<String, byte[]>) kafkaListenerContainerFactory,
                publisher, properties, clock.getIfAvailable(Clock::systemUTC), tracing.getIfAvailable(RunTracing::noop));
    }
}
