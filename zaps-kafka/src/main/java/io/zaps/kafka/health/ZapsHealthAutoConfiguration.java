package io.zaps.kafka.health;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.MessageListenerContainer;

import java.util.ArrayList;
import java.util.List;

/**
 * The readiness parts of every Spring Kafka service (gateway, trigger service, connectors): {@code kafka}
 * ({@link KafkaClusterHealthIndicator}, with the service's own admin settings) and {@code listeners}
 * ({@link ListenerContainersHealthIndicator}). The executor, which has no Spring Kafka, wires its own.
 * Each service's configuration file puts them in its {@code readiness} group.
 */
@AutoConfiguration(afterName = {"org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration", "io.zaps.kafka.ZapsKafkaAutoConfiguration"})
@ConditionalOnClass(name = {"org.springframework.boot.health.contributor.HealthIndicator", "org.springframework.kafka.core.KafkaAdmin"})
public class ZapsHealthAutoConfiguration {

    @Bean
    @ConditionalOnBean(KafkaAdmin.class)
    @ConditionalOnMissingBean(name = "kafkaHealthIndicator")
    public KafkaClusterHealthIndicator kafkaHealthIndicator(KafkaAdmin admin) {
        return KafkaClusterHealthIndicator.forAdminConfig(admin.getConfigurationProperties());
    }

    /**
     * Counts the {@code @KafkaListener} containers and the container beans that start with the context, and
     * every container of a {@link ListenerContainerSource} (started by its owner).
     */
    @Bean
    public ListenerContainersHealthIndicator listenersHealthIndicator(ObjectProvider<KafkaListenerEndpointRegistry> registry,
                                                                      ObjectProvider<MessageListenerContainer> beans,
                                                                      ObjectProvider<ListenerContainerSource> sources) {
        return new ListenerContainersHealthIndicator(() -> {
            List<MessageListenerContainer> containers = new ArrayList<>();
            KafkaListenerEndpointRegistry present = registry.getIfAvailable();
            if (present != null) {
                present.getListenerContainers().stream().filter(MessageListenerContainer::isAutoStartup).forEach(containers::add);
            }
            beans.orderedStream().filter(MessageListenerContainer::isAutoStartup).forEach(containers::add);
            sources.orderedStream().forEach(source -> containers.addAll(source.listenerContainers()));
            return containers;
        });
    }
}
