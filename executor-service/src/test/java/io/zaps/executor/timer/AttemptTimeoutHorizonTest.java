package io.zaps.executor.timer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AttemptTimeoutHorizonTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration IDLE = Duration.ofSeconds(2);

    private static Instant horizon(Instant streamTime, Duration sinceLastRecord) {
        return AttemptTimeoutHorizon.horizon(NOW, streamTime == null ? -1 : streamTime.toEpochMilli(), NOW.minus(sinceLastRecord), IDLE);
    }

    @Test
    void aTaskReadingOldCommandsHoldsTimeoutsAtItsStreamTime() {
        assertThat(horizon(NOW.minusSeconds(30), Duration.ZERO)).isEqualTo(NOW.minusSeconds(30));
        assertThat(horizon(NOW.minusSeconds(30), Duration.ofMillis(1_999))).isEqualTo(NOW.minusSeconds(30));
    }

    @Test
    void aTaskUpToDateGoesByTheWallClockEvenIfItsCommandsCarryLaterTimes() {
        assertThat(horizon(NOW, Duration.ZERO)).isEqualTo(NOW);
        assertThat(horizon(NOW.plusSeconds(60), Duration.ZERO)).as("a producer's clock ahead: never past the wall clock").isEqualTo(NOW);
    }

    @Test
    void anIdleTaskGoesByTheWallClock() {
        assertThat(horizon(NOW.minusSeconds(30), IDLE)).isEqualTo(NOW);
        assertThat(horizon(null, Duration.ofMinutes(5))).isEqualTo(NOW);
    }

    @Test
    void aTaskThatHasReadNothingYetWaitsForItsFirstRecordsOrIdleness() {
        assertThat(horizon(null, Duration.ofMillis(100))).isEqualTo(Instant.EPOCH);
    }
}
