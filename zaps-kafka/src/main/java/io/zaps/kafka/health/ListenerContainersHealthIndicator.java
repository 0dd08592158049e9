package io.zaps.kafka.health;

import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.listener.MessageListenerContainer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Readiness part "listeners": every listener container the service needs is running and has been given
 * partitions by its group (which containers count: {@link ZapsHealthAutoConfiguration}).
 *
 * <p>"Assigned" means at least one partition: an instance beyond the topic's partition count gets
 * none and reports itself not ready, which is true — it does no work until another instance leaves
 * (every Zaps topic has {@code zaps.kafka.partitions}, 6 by default).
 *
 * <p>A container that had partitions and is between two assignments (a rebalance: an instance joined or
 * left, a member's session ran out) stays ready, reported as {@code rebalancing}, for {@link #REBALANCE_GRACE}:
 * a rebalance is part of normal operation and takes seconds, and a readiness probe that flipped with every one
 * would take a working gateway out of its load balancer. Past the grace it is {@code waiting for partitions}
 * and not ready, as before its first assignment.
 */
public class ListenerContainersHealthIndicator implements HealthIndicator {
    /** How long a container that had partitions may be without them and still count as ready. */
    public static final Duration REBALANCE_GRACE = Duration.ofSeconds(30);

    private final Supplier<Collection<? extends MessageListenerContainer>> containers;
    private final Clock clock;
    /** Per container: when it was last seen with partitions. */
    private final Map<String, Instant> lastAssigned = new ConcurrentHashMap<>();

    public ListenerContainersHealthIndicator(Supplier<Collection<? extends MessageListenerContainer>> containers) {
        this(containers, Clock.systemUTC());
    }

    ListenerContainersHealthIndicator(Supplier<Collection<? extends MessageListenerContainer>> containers, Clock clock) {
        this.containers = containers;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean ready = true;
        Instant now = clock.instant();
        for (MessageListenerContainer container : containers.get()) {
            String name = container.getListenerId() != null ? container.getListenerId() : String.valueOf(container.getGroupId());
            Collection<TopicPartition> assigned = container.getAssignedPartitions();
            String state;
            if (!container.isRunning()) {
                state = "not running";
                lastAssigned.remove(name);
                ready = false;
            } else if (assigned != null && !assigned.isEmpty()) {
                state = assigned.size() + " partitions";
                lastAssigned.put(name, now);
            } else if (withinGrace(lastAssigned.get(name), now)) {
                state = "rebalancing";
            } else {
                state = "waiting for partitions";
                ready = false;
            }
            details.put(name, state);
        }
        return (ready ? Health.up() : Health.down()).withDetails(details).build();
    }

    private static boolean withinGrace(Instant lastSeen, Instant now) {
        return lastSeen != null && !now.isAfter(lastSeen.plus(REBALANCE_GRACE));
    }
}
