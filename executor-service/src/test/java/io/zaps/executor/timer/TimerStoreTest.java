package io.zaps.executor.timer;

import io.zaps.contract.Json;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The timer store over a real (in-memory) Kafka Streams key-value store. */
class TimerStoreTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private KeyValueStore<String, byte[]> store;
    private TimerStore timers;

    @BeforeEach
    void openStore() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("timers"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        timers = new TimerStore(store);
    }

    @AfterEach
    void closeStore() {
        store.close();
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
    }

    @Test
    void timersDueInTheSameMillisecondAsTheLastOneHandedOutAreNotSkipped() {
        TimerKey a = new TimerKey(T, RUN, "a", 1);
        TimerKey b = new TimerKey(T, RUN, "b", 1);
        TimerKey c = new TimerKey(T, RUN, "c", 1);
        List.of(a, b, c).forEach(timers::schedule);

        assertThat(fire(T, 2)).containsExactly(a, b);
        assertThat(fire(T, 2)).containsExactly(c);
    }

    @Test
    void aTimerScheduledEarlierThanTheLastScanStillFires() {
        assertThat(fire(T.plusSeconds(100), 10)).isEmpty();

        timers.schedule(timer(50)); // e.g. an attempt whose clock was behind this one's
        assertThat(fire(T.plusSeconds(101), 10)).containsExactly(timer(50));
    }

    @Test
    void aScanStartsWhereTheLastCompleteScanEndedAndANewStoreInstanceStartsAtTheEpoch() {
        timers.schedule(timer(10));
        assertThat(fire(T.plusSeconds(20), 10)).containsExactly(timer(10));

        // An entry below that point, written past the TimerStore (nothing in the executor does this): the
        // scans of this instance no longer visit that part of the store, where fired timers' tombstones lie.
        store.put(timer(15).encode(), Json.toBytes(TimerStore.toCommand(timer(15))));
        assertThat(fire(T.plusSeconds(30), 10)).isEmpty();

        // A new instance (a restart, the partition moved here) scans the whole store once.
        timers = new TimerStore(store);
        assertThat(fire(T.plusSeconds(30), 10)).containsExactly(timer(15));
    }

    @Test
    void aClockThatWentBackFindsNothingNewAndLosesNothing() {
        timers.schedule(timer(40));
        assertThat(fire(T.plusSeconds(30), 10)).isEmpty();
        assertThat(fire(T.plusSeconds(20), 10)).isEmpty();
        assertThat(fire(T.plusSeconds(40), 10)).containsExactly(timer(40));
    }

    /** What the executor does each punctuation: takes the due timers and deletes each. */
    private List<TimerKey> fire(Instant now, int max) {
        List<TimerKey> due = timers.due(now, max);
        due.forEach(timers::delete);
        return due;
    }

    private static TimerKey timer(int secondsAfterT) {
        return new TimerKey(T.plusSeconds(secondsAfterT), RUN, "step" + secondsAfterT, 1);
    }
}
