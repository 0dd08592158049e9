package io.zaps.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How every Zaps consumer (Spring listeners and the executor's Kafka Streams) belongs to its group, so that
 * a restart is quick (docs/architecture.md, "Restarts"):
 *
 * <ul>
 *   <li>Static membership (KIP-345) when the instance has a stable id ({@value #INSTANCE_ID_ENV}, e.g. the
 *       host name; the local launcher derives one from its data folder): a process that comes back after a
 *       crash, even SIGKILL, replaces its dead self in the group and gets its partitions back at once,
 *       without a rebalance and without waiting for the dead member's session to expire.</li>
 *   <li>A session of {@value #SESSION_TIMEOUT_MS} ms instead of Kafka's 45 s: what a member that dies and
 *       does not come back holds up (its partitions, its timers). Heartbeats come from the client's own
 *       thread, so slow processing does not count against it (that is {@code max.poll.interval.ms}).</li>
 *   <li>A heartbeat every {@value #HEARTBEAT_INTERVAL_MS} ms instead of a third of the session: once a dead member's
 *       session has expired, the members left learn of the rebalance only from their next heartbeat's answer. With
 *       3 s a SIGKILLed executor's tasks moved 2 s after its session expired, in every round measured (the members'
 *       heartbeats run in step since their last rebalance); with 1 s, 0.1-1.2 s (ExecutorTakeoverIT; docs/benchmarks.md,
 *       session 13). One small request a second per member.</li>
 * </ul>
 *
 * Settings a service already has win: these are defaults.
 */
public final class GroupMembership {
    /** The environment variable naming this instance, stable across its restarts and unique among the instances. */
    public static final String INSTANCE_ID_ENV = "ZAPS_INSTANCE_ID";
    public static final int SESSION_TIMEOUT_MS = 10_000;
    public static final int HEARTBEAT_INTERVAL_MS = 1_000;
    /** What Kafka allows in a {@code group.instance.id}, less room for the service name and a thread suffix. */
    private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private GroupMembership() {
    }

    /**
     * The group settings to add to a consumer's configuration.
     *
     * @param service    the service's name (the instance id is per service: one process may run several)
     * @param instanceId this instance's stable id, or null/blank for dynamic membership
     * @param configured the consumer's configuration so far; none of its keys is overridden
     */
    public static Map<String, Object> consumerDefaults(String service, String instanceId, Map<String, ?> configured) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        defaults.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_INTERVAL_MS);
        String member = memberId(service, instanceId);
        if (member != null) {
            defaults.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, member);
        }
        defaults.keySet().removeIf(configured::containsKey);
        return defaults;
    }

    /** {@code <service>-<instance id>}, or null when there is no instance id (dynamic membership). */
    public static String memberId(String service, String instanceId) {
        if (instanceId == null || instanceId.isBlank()) {
            return null;
        }
        String id = instanceId.trim();
        if (!INSTANCE_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(INSTANCE_ID_ENV + " must match " + INSTANCE_ID + " (was '" + instanceId + "')");
        }
        return service + "-" + id;
    }
}
