package io.zaps.executor.stream;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Readiness part "streams": the executor can run workflows when its Kafka Streams are {@code RUNNING},
 * that is, it owns its partitions and has restored their state, so commands are processed and timers fire.
 *
 * <p>{@code REBALANCING} before the first {@code RUNNING} is "not ready": the executor is starting or
 * restoring, and a delay that fell due meanwhile would fire late. {@code REBALANCING} after it has been
 * running is routine (another executor joins or leaves, a failed thread is replaced); readiness stays up
 * for {@link #REBALANCE_GRACE}, then goes down: a rebalance that long is a stuck group, not a routine one.
 * This keeps the all-in-one gateway's {@code /health} from flapping each time a member joins.
 */
public class StreamsHealthIndicator implements HealthIndicator {
    /** How long a rebalance after the executor has run counts as routine. */
    public static final Duration REBALANCE_GRACE = Duration.ofSeconds(30);

    private final ExecutorStreams streams;
    private final Duration grace;
    private final LongSupplier nanoTime;

    public StreamsHealthIndicator(ExecutorStreams streams, Duration grace, LongSupplier nanoTime) {
        this.streams = streams;
        this.grace = grace;
        this.nanoTime = nanoTime;
    }

    @Override
    public Health health() {
        return evaluate(streams.state(), streams.hasBeenRunning(), Duration.ofNanos(nanoTime.getAsLong() - streams.stateSinceNanos()), grace);
    }

    /** The decision alone: the streams' state, whether they have run since they started, how long they are in this state. */
    static Health evaluate(KafkaStreams.State state, boolean hasBeenRunning, Duration inState, Duration grace) {
        Status status = switch (state) {
            case RUNNING -> Status.UP;
            case REBALANCING -> hasBeenRunning && inState.compareTo(grace) < 0 ? Status.UP : Status.DOWN;
            default -> Status.DOWN;
        };
        return Health.status(status).withDetail("state", state.name()).withDetail("inStateMs", inState.toMillis()).build();
    }
}
