package io.zaps.executor.timer;

import io.zaps.contract.command.FireTimer;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TimerIndexTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private final TimerIndex timers = new TimerIndex();

    private static TimerKey timer(int seconds) {
        return new TimerKey(T.plusSeconds(seconds), RUN, "s" + seconds, 1);
    }

    /** What the processor's punctuation does: take what is due, delete each. */
    private List<TimerKey> fire(Instant now, int max) {
        List<TimerKey> due = timers.due(now, max);
        due.forEach(timers::delete);
        return due;
    }

    @Test
    void dueTimersComeOutOldestFirstAtMostMaxAtATime() {
        for (int i = 5; i >= 1; i--) {
            timers.schedule(timer(i));
        }
        timers.schedule(timer(60));

        assertThat(fire(T.plusSeconds(10), 2)).containsExactly(timer(1), timer(2));
        assertThat(fire(T.plusSeconds(10), 2)).containsExactly(timer(3), timer(4));
        assertThat(fire(T.plusSeconds(10), 2)).containsExactly(timer(5));
        assertThat(fire(T.plusSeconds(10), 2)).isEmpty();
        assertThat(fire(T.plusSeconds(60), 2)).containsExactly(timer(60));
        assertThat(timers.size()).isZero();
    }

    @Test
    void timersDueInTheSameMillisecondAllFireAndATimerDueExactlyNowIsDue() {
        TimerKey a = new TimerKey(T, RUN, "a", 1);
        TimerKey b = new TimerKey(T, RUN, "b", 1);
        TimerKey c = new TimerKey(T, RUN, "c", 1, FireTimer.Kind.ATTEMPT_TIMEOUT);
        List.of(c, b, a).forEach(timers::schedule);

        assertThat(fire(T.minusMillis(1), 10)).isEmpty();
        assertThat(fire(T, 2)).containsExactly(a, b);
        assertThat(fire(T, 2)).containsExactly(c);
    }

    @Test
    void aCancelledTimerNeverFiresAndATimerScheduledInThePastFiresAtTheNextScan() {
        timers.schedule(timer(10));
        timers.schedule(timer(20));
        timers.delete(timer(10));
        timers.delete(timer(99)); // a cancel that finds nothing (the timer fired already) is fine

        assertThat(fire(T.plusSeconds(100), 10)).containsExactly(timer(20));
        timers.schedule(timer(50)); // e.g. derived for a run whose delay ended while no instance owned it
        assertThat(fire(T.plusSeconds(101), 10)).containsExactly(timer(50));
    }

    @Test
    void scheduledTwiceIsOneTimer() {
        timers.schedule(timer(1));
        timers.schedule(timer(1));
        assertThat(timers.size()).isEqualTo(1);
        timers.clear();
        assertThat(timers.due(T.plusSeconds(1), 10)).isEmpty();
    }

    @Test
    void attemptTimeoutsComeOutUpToTheirOwnHorizonInOrderWithTheOtherTimers() {
        TimerKey delay1 = timer(1);
        TimerKey timeout2 = new TimerKey(T.plusSeconds(2), RUN, "t2", 1, FireTimer.Kind.ATTEMPT_TIMEOUT);
        TimerKey retry3 = new TimerKey(T.plusSeconds(3), RUN, "r3", 2, FireTimer.Kind.RETRY);
        TimerKey timeout4 = new TimerKey(T.plusSeconds(4), RUN, "t4", 1, FireTimer.Kind.ATTEMPT_TIMEOUT);
        List.of(timeout4, retry3, timeout2, delay1).forEach(timers::schedule);

        assertThat(timers.due(T.plusSeconds(10), T, 10)).as("timeouts held back, the others due by the wall clock")
                .containsExactly(delay1, retry3);
        assertThat(timers.hasAttemptTimeoutDue(T.plusSeconds(1))).isFalse();
        assertThat(timers.hasAttemptTimeoutDue(T.plusSeconds(2))).isTrue();
        assertThat(timers.attemptTimeoutsDue(T.plusSeconds(3))).isEqualTo(1);
        assertThat(timers.attemptTimeoutsDue(T.plusSeconds(4))).isEqualTo(2);
        assertThat(timers.due(T.plusSeconds(10), T.plusSeconds(2), 10)).containsExactly(delay1, timeout2, retry3);
        assertThat(timers.due(T.plusSeconds(3), T.plusSeconds(10), 10)).as("never past the wall clock").containsExactly(delay1, timeout2, retry3);
        assertThat(timers.due(T.plusSeconds(10), T.plusSeconds(10), 3)).containsExactly(delay1, timeout2, retry3);
        timers.delete(timeout2);
        assertThat(timers.size()).isEqualTo(3);
        assertThat(timers.due(T.plusSeconds(10), T.plusSeconds(10), 10)).containsExactly(delay1, retry3, timeout4);
    }
}
