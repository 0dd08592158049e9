package io.zaps.kafka.health;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClusterHealthIndicatorTest {
    private final AtomicLong now = new AtomicLong();
    private final AtomicInteger asked = new AtomicInteger();

    private KafkaClusterHealthIndicator indicator(KafkaClusterHealthIndicator.ClusterProbe probe) {
        return new KafkaClusterHealthIndicator(timeout -> {
            asked.incrementAndGet();
            return probe.describe(timeout);
        }, Duration.ofSeconds(2), Duration.ofSeconds(3), now::get);
    }

    @Test
    void aClusterThatAnswersIsUpWithItsIdAndTheAnswerStandsForAFewSeconds() {
        KafkaClusterHealthIndicator indicator = indicator(timeout -> Map.of("clusterId", "abc", "nodes", 3));

        Health first = indicator.health();
        now.addAndGet(Duration.ofMillis(2_900).toNanos());
        Health cached = indicator.health();

        assertThat(first.getStatus()).isEqualTo(Status.UP);
        assertThat(first.getDetails()).containsEntry("clusterId", "abc").containsEntry("nodes", 3);
        assertThat(cached).isSameAs(first);
        assertThat(asked).hasValue(1);

        now.addAndGet(Duration.ofMillis(200).toNanos());
        indicator.health();
        assertThat(asked).as("asked again once the answer is 3 s old").hasValue(2);
    }

    @Test
    void noAnswerWithinTheTimeoutIsDown() {
        KafkaClusterHealthIndicator indicator = indicator(timeout -> {
            throw new TimeoutException();
        });

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails().get("reason")).asString().contains("within 2000 ms");
    }

    @Test
    void aFailedRequestIsDownNamingTheCause() {
        KafkaClusterHealthIndicator indicator = indicator(timeout -> {
            throw new ExecutionException(new IllegalStateException("broker gone"));
        });

        assertThat(indicator.health().getDetails().get("reason")).isEqualTo("IllegalStateException: broker gone");
    }

    @Test
    void aDownAnswerIsCachedToo_thenRecoveryShows() {
        AtomicInteger calls = new AtomicInteger();
        KafkaClusterHealthIndicator indicator = indicator(timeout -> {
            if (calls.incrementAndGet() == 1) {
                throw new TimeoutException();
            }
            return Map.of("clusterId", "abc", "nodes", 1);
        });

        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        assertThat(calls).hasValue(2);
    }
}
