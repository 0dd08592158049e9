package io.zaps.executor.timer;

import io.zaps.contract.command.FireTimer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimerKeyTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final Instant T = Instant.parse("2026-01-02T03:04:05.123Z");

    @Test
    void roundTrips() {
        TimerKey key = new TimerKey(T, RUN, "delay_step-2", 3);
        assertThat(key.encode()).isEqualTo("0000001767323045123/" + RUN + "/delay_step-2/3");
        assertThat(TimerKey.decode(key.encode())).isEqualTo(key);
    }

    @Test
    void kindsOtherThanDelayAreAFifthPartAndOldKeysStillReadAsDelays() {
        TimerKey retry = new TimerKey(T, RUN, "send", 2, FireTimer.Kind.RETRY);
        assertThat(retry.encode()).isEqualTo("0000001767323045123/" + RUN + "/send/2/retry");
        assertThat(TimerKey.decode(retry.encode())).isEqualTo(retry);
        TimerKey timeout = new TimerKey(T, RUN, "send", 1, FireTimer.Kind.ATTEMPT_TIMEOUT);
        assertThat(TimerKey.decode(timeout.encode())).isEqualTo(timeout);
        assertThat(TimerKey.decode("0000001767323045123/" + RUN + "/wait/1").kind()).isEqualTo(FireTimer.Kind.DELAY);
        assertThat(TimerStore.toCommand(retry).kind()).isEqualTo(FireTimer.Kind.RETRY);
        assertThat(TimerStore.toCommand(new TimerKey(T, RUN, "wait", 1)).kind()).as("as before kinds").isNull();
        assertThat(retry.encode()).isLessThan(TimerKey.upperBound(T)).isGreaterThan(TimerKey.upperBound(T.minusMillis(1)));
        assertThatThrownBy(() -> TimerKey.decode("0000001767323045123/" + RUN + "/send/2/explode"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void subMillisecondDueTimesRoundUpSoATimerNeverFiresEarly() {
        Instant due = T.plusNanos(400_000);
        TimerKey key = new TimerKey(due, RUN, "s", 1);
        assertThat(key.dueAt()).isEqualTo(T.plusMillis(1)).isAfterOrEqualTo(due);
        assertThat(new TimerKey(T, RUN, "s", 1).dueAt()).isEqualTo(T);
        assertThat(key.encode()).startsWith("0000001767323045124/");
    }

    @Test
    void keysSortByDueTimeAsBytes() {
        List<String> keys = new ArrayList<>(List.of(
                new TimerKey(T.plusSeconds(10), "a", "s", 1).encode(),
                new TimerKey(T, "z", "s", 1).encode(),
                new TimerKey(T.plusMillis(1), "a", "s", 1).encode(),
                new TimerKey(Instant.ofEpochSecond(5), "b", "s", 1).encode()));
        keys.sort((x, y) -> Arrays.compareUnsigned(x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
        assertThat(keys).extracting(k -> TimerKey.decode(k).dueAt())
                .containsExactly(Instant.ofEpochSecond(5), T, T.plusMillis(1), T.plusSeconds(10));
    }

    @Test
    void upperBoundIncludesTimersDueNowAndExcludesLaterOnes() {
        byte[] bound = TimerKey.upperBound(T).getBytes(StandardCharsets.UTF_8);
        byte[] dueNow = new TimerKey(T, RUN, "zzzz_very-long-step-id", Integer.MAX_VALUE).encode().getBytes(StandardCharsets.UTF_8);
        byte[] dueLater = new TimerKey(T.plusMillis(1), RUN, "a", 1).encode().getBytes(StandardCharsets.UTF_8);
        byte[] lowest = TimerKey.lowerBound().getBytes(StandardCharsets.UTF_8);
        assertThat(Arrays.compareUnsigned(dueNow, bound)).isNegative();
        assertThat(Arrays.compareUnsigned(dueLater, bound)).isPositive();
        assertThat(Arrays.compareUnsigned(lowest, new TimerKey(Instant.EPOCH, RUN, "a", 1).encode().getBytes(StandardCharsets.UTF_8))).isNegative();
    }

    @Test
    void rejectsWhatIsNotATimerKey() {
        assertThatThrownBy(() -> TimerKey.decode("12/run/step/1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimerKey.decode("0000001767323045123/run/step/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TimerKey(T, "a/b", "s", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
