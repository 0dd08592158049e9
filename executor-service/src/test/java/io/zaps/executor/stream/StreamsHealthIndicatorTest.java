package io.zaps.executor.stream;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class StreamsHealthIndicatorTest {
    private static final Duration GRACE = Duration.ofSeconds(30);

    private static Status status(State state, boolean hasBeenRunning, Duration inState) {
        return StreamsHealthIndicator.evaluate(state, hasBeenRunning, inState, GRACE).getStatus();
    }

    @Test
    void readyOnlyOnceRunning() {
        assertThat(status(State.CREATED, false, Duration.ZERO)).isEqualTo(Status.DOWN);
        assertThat(status(State.REBALANCING, false, Duration.ofSeconds(1))).as("starting or restoring").isEqualTo(Status.DOWN);
        assertThat(status(State.RUNNING, true, Duration.ZERO)).isEqualTo(Status.UP);
    }

    @Test
    void aRebalanceAfterRunningIsRoutineForTheGraceThenNotReady() {
        assertThat(status(State.REBALANCING, true, Duration.ofSeconds(29))).isEqualTo(Status.UP);
        assertThat(status(State.REBALANCING, true, Duration.ofSeconds(30))).isEqualTo(Status.DOWN);
    }

    @Test
    void stoppedOrFailedStreamsAreNotReady() {
        for (State state : new State[] {State.PENDING_SHUTDOWN, State.NOT_RUNNING, State.PENDING_ERROR, State.ERROR}) {
            assertThat(status(state, true, Duration.ZERO)).as(state.name()).isEqualTo(Status.DOWN);
        }
    }

    @Test
    void detailsNameTheState() {
        Health health = StreamsHealthIndicator.evaluate(State.REBALANCING, false, Duration.ofMillis(1500), GRACE);
        assertThat(health.getDetails()).containsEntry("state", "REBALANCING").containsEntry("inStateMs", 1500L);
    }
}
