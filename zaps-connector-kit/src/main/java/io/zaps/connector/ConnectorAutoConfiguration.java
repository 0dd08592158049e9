package io.zaps.connector;

import io.zaps.connector.secret.SecretLookup;
import io.zaps.connector.secret.SecretResolvingHandler;
import io.zaps.contract.step.StepTypes;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.secret.SecretView;
import io.zaps.kafka.secret.TopicSecrets;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.store.SecretCipher;
import io.zaps.store.SecretStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

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
    /** How long a secret lookup waits for {@link io.zaps.contract.Topics#SECRETS} to be read to its end. */
    static final Duration SECRETS_CATCH_UP = Duration.ofSeconds(10);

    @Bean
    public StepHandlerRegistry zapsStepHandlerRegistry(List<StepHandler> handlers) {
        return new StepHandlerRegistry(handlers, StepTypes.discover());
    }

    /**
     * The credential store as {@link io.zaps.contract.Topics#SECRETS} holds it (encrypted), kept in memory. Its start does
     * not wait for the topic: the first lookup does ({@link TopicSecrets}).
     */
    @Bean
    @ConditionalOnMissingBean
    public SecretView zapsConnectorSecretView(ConsumerFactory<?, ?> kafkaConsumerFactory, Environment environment) {
        String client = environment.getProperty("spring.application.name", "zaps-connector") + "-secret-view-" + UUID.randomUUID();
        return SecretView.of(kafkaConsumerFactory, client, Duration.ZERO);
    }

    /**
     * Secret values from {@link io.zaps.contract.Topics#SECRETS}, decrypted with {@code ZAPS_MASTER_KEY}, else with the
     * key file of the data folder ({@code zaps.connector.data-dir}, else {@code ZAPS_DATA_DIR}) when it is the gateway's
     * ({@code ./zaps up}); nothing is read from or written to the folder but that key file.
     */
    @Bean
    @ConditionalOnMissingBean
    public SecretLookup zapsConnectorSecretLookup(SecretView zapsConnectorSecretView, ConnectorProperties properties,
                                                  Environment environment) {
        Path dataDir = properties.dataDir() != null ? properties.dataDir() : Path.of(environment.getProperty("ZAPS_DATA_DIR", "./.zaps"));
        TopicSecrets secrets = new TopicSecrets(zapsConnectorSecretView,
                SecretCipher.lazyReader(dataDir, environment.getProperty(SecretStore.MASTER_KEY_ENV)), SECRETS_CATCH_UP);
        return secrets::value;
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
