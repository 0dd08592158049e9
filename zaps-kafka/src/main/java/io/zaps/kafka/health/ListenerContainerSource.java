package io.zaps.kafka.health;

import org.springframework.kafka.listener.MessageListenerContainer;

import java.util.Collection;

/**
 * Listener containers that are neither beans nor in the {@code @KafkaListener} registry (a service that
 * creates and starts its own, as the connectors do) and that readiness must count.
 */
@FunctionalInterface
public interface ListenerContainerSource {
    Collection<? extends MessageListenerContainer> listenerContainers();
}
