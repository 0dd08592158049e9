package io.zaps.gateway.secret;

import io.zaps.gateway.GatewayProperties;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.secret.SecretView;
import io.zaps.store.SecretStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;

/** The gateway's side of {@link io.zaps.contract.Topics#SECRETS}: it publishes the secrets it stores, encrypted. */
@Configuration(proxyBeanMethods = false)
class SecretTopicConfiguration {

    /** What the topic holds, to publish at start-up (and every 30 s) what it lacks; its start does not wait for Kafka. */
    @Bean
    SecretView gatewaySecretView(ConsumerFactory<?, ?> kafkaConsumerFactory) {
        return SecretView.of(kafkaConsumerFactory, "zaps-gateway-secret-view", Duration.ZERO);
    }

    @Bean
    SecretPublisher gatewaySecretPublisher(SecretStore gatewaySecretStore, RecordPublisher publisher, SecretView gatewaySecretView,
                                           GatewayProperties properties) {
        return new SecretPublisher(gatewaySecretStore, publisher, gatewaySecretView, properties.triggerPublishTimeout(),
                Duration.ofSeconds(30));
    }
}
