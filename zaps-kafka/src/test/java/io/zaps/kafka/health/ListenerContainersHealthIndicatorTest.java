package io.zaps.kafka.health;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.listener.MessageListenerContainer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

class ListenerContainersHealthIndicatorTest {

    private static MessageListenerContainer container(String id, boolean autoStartup, boolean running, List<TopicPartition> assigned) {
        MessageListenerContainer container = mock(MessageListenerContainer.class);
        when(container.getListenerId()).thenReturn(id);
        when(container.isAutoStartup()).thenReturn(autoStartup);
        when(container.isRunning()).thenReturn(running);
        when(container.getAssignedPartitions()).thenReturn(assigned);
        return container;
    }

    @Test
    void upWhenEveryContainerRunsWithPartitions() {
        Health health = new ListenerContainersHealthIndicator(() -> List.of(
                container("projector", true, true, List.of(new TopicPartition("zaps.run-events", 0), new TopicPartition("zaps.run-events", 1))),
                container("requests", false, true, List.of(new TopicPartition("zaps.step-requests.webhook", 0))))).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("projector", "2 partitions").containsEntry("requests", "1 partitions");
    }

    @Test
    void downWhileAContainerWaitsForItsPartitions() {
        Health health = new ListenerContainersHealthIndicator(() -> List.of(
                container("projector", true, true, List.of(new TopicPartition("zaps.run-events", 0))),
                container("requests", true, true, List.of()))).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("requests", "waiting for partitions");
    }

    @Test
    void downWhenAContainerIsNotRunning() {
        Health health = new ListenerContainersHealthIndicator(() -> List.of(container("requests", true, false, null))).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("requests", "not running");
    }

    @Test
    void noListenersIsUp() {
        assertThat(new ListenerContainersHealthIndicator(List::of).health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    void aRebalanceAfterItsFirstAssignmentStaysReadyForTheGraceThenIsDown() {
        MutableClock clock = new MutableClock();
        MessageListenerContainer container = container("triggers", true, true, List.of(new TopicPartition("zaps.triggers", 0)));
        ListenerContainersHealthIndicator indicator = new ListenerContainersHealthIndicator(() -> List.of(container), clock);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);

        when(container.getAssignedPartitions()).thenReturn(List.of());
        clock.advance(ListenerContainersHealthIndicator.REBALANCE_GRACE);
        Health during = indicator.health();
        assertThat(during.getStatus()).isEqualTo(Status.UP);
        assertThat(during.getDetails()).containsEntry("triggers", "rebalancing");

        clock.advance(Duration.ofSeconds(1));
        Health after = indicator.health();
        assertThat(after.getStatus()).isEqualTo(Status.DOWN);
        assertThat(after.getDetails()).containsEntry("triggers", "waiting for partitions");
    }

    @Test
    void aContainerThatStoppedStartsOverWithoutGrace() {
        MutableClock clock = new MutableClock();
        MessageListenerContainer container = container("triggers", true, true, List.of(new TopicPartition("zaps.triggers", 0)));
        ListenerContainersHealthIndicator indicator = new ListenerContainersHealthIndicator(() -> List.of(container), clock);
        indicator.health();
        when(container.isRunning()).thenReturn(false);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);

        when(container.isRunning()).thenReturn(true);
        when(container.getAssignedPartitions()).thenReturn(List.of());
        assertThat(indicator.health().getDetails()).containsEntry("triggers", "waiting for partitions");
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-12-06T10:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
