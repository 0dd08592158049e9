package io.zaps.executor.timer;

import io.zaps.contract.command.FireTimer;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class TimerKeyTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final Instant T = Instant.parse("2026-01-02T03:04:05.123Z");

    @Test
    void subMillisecondDueTimesRoundUpSoATimerNeverFiresEarly() {
        Instant due = T.plusNanos(400_000);
        TimerKey key = new TimerKey(due, RUN, "s", 1);
        assertThat(key.dueAt()).isEqualTo(T.plusMillis(1)).isAfterOrEqualTo(due);
        assertThat(new TimerKey(T, RUN, "s", 1).dueAt()).isEqualTo(T);
    }

    @Test
    void theFedBackCommandNamesItsKindExceptForADelayAsBeforeKindsExisted() {
        FireTimer retry = new TimerKey(T, RUN, "send", 2, FireTimer.Kind.RETRY).command();
        assertThat(retry.runId()).isEqualTo(RUN);
        assertThat(retry.stepId()).isEqualTo("send");
        assertThat(retry.attempt()).isEqualTo(2);
        assertThat(retry.kind()).isEqualTo(FireTimer.Kind.RETRY);
        assertThat(new TimerKey(T, RUN, "wait", 1).command().kind()).isNull();
        assertThat(new TimerKey(T, RUN, "wait", 1, null).kind()).isEqualTo(FireTimer.Kind.DELAY);
    }
}
