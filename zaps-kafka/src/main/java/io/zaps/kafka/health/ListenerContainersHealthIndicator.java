package io.zaps.kafka.health;

import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.listener.MessageListenerContainer;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Readiness part "listeners": every listener container the service needs is running and has been given
 * partitions by its group (which containers count: {@link ZapsHealthAutoConfiguration}).
 *
 * <p>"Assigned" means at least one partition: an instance beyond the topic's partition count gets
 * none and reports itself not ready, which is true — it does no work until another instance leaves
 * (every Zaps topic has {@code zaps.kafka.partitions}, 6 by default).
 */
public class ListenerContainersHealthIndicator implements HealthIndicator {
    private final Supplier<Collection<? extends MessageListenerContainer>> containers;

    public ListenerContainersHealthIndicator(Supplier<Collection<? extends MessageListenerContainer>> containers) {
        this.containers = containers;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean ready = true;
        for (MessageListenerContainer container : containers.get()) {
            String name = container.getListenerId() != null ? container.getListenerId() : String.valueOf(container.getGroupId());
            Collection<TopicPartition> assigned = container.getAssignedPartitions();
            String state;
            if (!container.isRunning()) {
                state = "not running";
                ready = false;
            } else if (assigned == null || assigned.isEmpty()) {
                state = "waiting for partitions";
                ready = false;
            } else {
                state = assigned.size() + " partitions";
            }
            details.put(name, state);
        }
        return (ready ? Health.up() : Health.down()).withDetails(details).build();
    }
}
