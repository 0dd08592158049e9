package io.zaps.connector;

import io.zaps.contract.step.StepTypes;
import io.zaps.kafka.RecordPublisher;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;

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

    @Bean
    @SuppressWarnings("unchecked")
    public StepListenerContainers zapsStepListenerContainers(StepHandlerRegistry registry,
                                                             ConcurrentKafkaListenerContainerFactory<?, ?> kafkaListenerContainerFactory,
                                                             RecordPublisher publisher, ConnectorProperties properties,
                                                             ObjectProvider<Clock> clock) {
        // Boot's factory is declared <?, ?>; the application.yml of a connector configures String keys and byte[] values.
        return new StepListenerContainers(registry,
                (ConcurrentKafkaListenerContainerFactory<String, byte[]>) kafkaListenerContainerFactory,
                publisher, properties, clock.getIfAvailable(Clock::systemUTC));
    }
}
