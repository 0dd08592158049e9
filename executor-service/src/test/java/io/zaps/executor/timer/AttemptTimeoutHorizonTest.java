package io.zaps.executor.timer;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AttemptTimeoutHorizonTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final Duration FIRST_RECORD_WAIT = Duration.ofSeconds(30);
    private static final Instant LONG_AGO = NOW.minusSeconds(3_600);

    /** A task initialized long ago that last read a record {@code sinceLastRecord} ago. */
    private static Instant horizon(Instant streamTime, Duration sinceLastRecord) {
        return AttemptTimeoutHorizon.horizon(NOW, streamTime == null ? -1 : streamTime.toEpochMilli(), LONG_AGO,
                NOW.minus(sinceLastRecord), IDLE, FIRST_RECORD_WAIT);
    }

    /** A task initialized {@code sinceInit} ago that has read no record since. */
    private static Instant fresh(Instant streamTime, Duration sinceInit) {
        return AttemptTimeoutHorizon.horizon(NOW, streamTime == null ? -1 : streamTime.toEpochMilli(), NOW.minus(sinceInit),
                null, IDLE, FIRST_RECORD_WAIT);
    }

    @Test
    void aTaskReadingOldCommandsHoldsTimeoutsAtItsStreamTime() {
        assertThat(horizon(NOW.minusSeconds(30), Duration.ZERO)).isEqualTo(NOW.minusSeconds(30));
        assertThat(horizon(NOW.minusSeconds(30), IDLE.minusMillis(1))).isEqualTo(NOW.minusSeconds(30));
    }

    @Test
    void aTaskUpToDateGoesByTheWallClockEvenIfItsCommandsCarryLaterTimes() {
        assertThat(horizon(NOW, Duration.ZERO)).isEqualTo(NOW);
        assertThat(horizon(NOW.plusSeconds(60), Duration.ZERO)).as("a producer's clock ahead: never past the wall clock").isEqualTo(NOW);
    }

    @Test
    void aTaskThatReadNothingForTheIdleTimeGoesByTheWallClock() {
        assertThat(horizon(NOW.minusSeconds(30), IDLE)).isEqualTo(NOW);
        assertThat(horizon(null, Duration.ofMinutes(5))).isEqualTo(NOW);
    }

    @Test
    void aTaskJustInitializedWaitsLongerForItsFirstRecords() {
        assertThat(fresh(NOW.minusSeconds(40), IDLE.plusSeconds(1))).as("idle time passed, but no record read yet")
                .isEqualTo(NOW.minusSeconds(40));
        assertThat(fresh(null, FIRST_RECORD_WAIT.minusMillis(1))).isEqualTo(Instant.EPOCH);
        assertThat(fresh(NOW.minusSeconds(40), FIRST_RECORD_WAIT)).isEqualTo(NOW);
        assertThat(fresh(NOW, Duration.ZERO)).as("its restored stream time is already past").isEqualTo(NOW);
    }
}
