package io.zaps.gateway.run;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunAdmissionTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private RunAdmission gate(int max) {
        return new RunAdmission(max, Duration.ofSeconds(60), Duration.ofSeconds(1), nanos::get);
    }

    @Test
    void admitsUpToTheBoundThenRefusesUntilARunEnds() {
        RunAdmission gate = gate(3);
        assertThat(gate.tryAdmit("a")).isTrue();
        assertThat(gate.tryAdmit("b")).isTrue();
        assertThat(gate.tryAdmit("c")).isTrue();

        assertThat(gate.tryAdmit("d")).isFalse();
        assertThat(gate.unfinished()).isEqualTo(3);
        assertThat(gate.counts("d")).isFalse();

        gate.finished("b");
        assertThat(gate.counts("b")).isFalse();
        assertThat(gate.tryAdmit("d")).isTrue();
        assertThat(gate.tryAdmit("e")).isFalse();
    }

    @Test
    void aReleasedPlaceIsFreeAgainAndEndsOfUnknownRunsChangeNothing() {
        RunAdmission gate = gate(1);
        assertThat(gate.tryAdmit("a")).isTrue();
        gate.finished("someone-elses-run");
        gate.finished("someone-elses-run");
        assertThat(gate.unfinished()).isEqualTo(1);

        gate.release("a");
        gate.release("a"); // twice: counted once
        assertThat(gate.unfinished()).isZero();
        assertThat(gate.tryAdmit("b")).isTrue();
    }

    @Test
    void aRunStopsCountingAfterCountForSoAnUnseenEndCannotCloseTheGateForGood() {
        RunAdmission gate = gate(2);
        assertThat(gate.tryAdmit("a")).isTrue();
        nanos.addAndGet(Duration.ofSeconds(30).toNanos());
        assertThat(gate.tryAdmit("b")).isTrue();
        assertThat(gate.tryAdmit("c")).isFalse();

        nanos.addAndGet(Duration.ofSeconds(30).toNanos()); // a has counted 60 s, b 30 s
        assertThat(gate.tryAdmit("c")).isTrue();
        assertThat(gate.counts("a")).isFalse();
        assertThat(gate.counts("b")).isTrue();
        assertThat(gate.tryAdmit("d")).isFalse();
    }

    @Test
    void expiryIsLookedForAtMostEveryHundredMilliseconds() {
        RunAdmission gate = gate(1);
        assertThat(gate.tryAdmit("a")).isTrue();
        nanos.addAndGet(Duration.ofMillis(59_950).toNanos());
        assertThat(gate.tryAdmit("b")).isFalse(); // looked: a has counted 59.95 s
        nanos.addAndGet(Duration.ofMillis(60).toNanos());
        assertThat(gate.tryAdmit("b")).isFalse(); // a has counted 60.01 s, but the last look was 60 ms ago
        nanos.addAndGet(Duration.ofMillis(40).toNanos());
        assertThat(gate.tryAdmit("b")).isTrue();
    }

    @Test
    void fullReservesNothingAndExpiresToo() {
        RunAdmission gate = gate(1);
        assertThat(gate.full()).isFalse();
        assertThat(gate.unfinished()).isZero();
        assertThat(gate.tryAdmit("a")).isTrue();
        assertThat(gate.full()).isTrue();

        nanos.addAndGet(Duration.ofSeconds(60).toNanos());
        assertThat(gate.full()).isFalse(); // a stopped counting
        assertThat(gate.tryAdmit("b")).isTrue();
    }

    @Test
    void zeroTurnsTheBoundOffAndTracksNothing() {
        RunAdmission gate = gate(0);
        for (int i = 0; i < 10_000; i++) {
            assertThat(gate.tryAdmit("run-" + i)).isTrue();
        }
        assertThat(gate.enabled()).isFalse();
        assertThat(gate.unfinished()).isZero();
        assertThat(gate.counts("run-1")).isFalse();
        assertThat(gate.full()).isFalse();
    }

    @Test
    void retryAfterIsWholeSecondsAtLeastOne() {
        assertThat(new RunAdmission(1, Duration.ofSeconds(1), Duration.ZERO, nanos::get).retryAfterSeconds()).isEqualTo(1);
        assertThat(new RunAdmission(1, Duration.ofSeconds(1), Duration.ofMillis(1500), nanos::get).retryAfterSeconds()).isEqualTo(2);
        assertThatThrownBy(() -> new RunAdmission(-1, Duration.ofSeconds(1), Duration.ZERO, nanos::get))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RunAdmission(1, Duration.ZERO, Duration.ZERO, nanos::get))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWaitingTriggerIsAdmittedWhenARunEndsAndRefusedWhenNoneEndsInTime() throws Exception {
        RunAdmission gate = new RunAdmission(1, Duration.ofSeconds(60), Duration.ofSeconds(1), System::nanoTime);
        assertThat(gate.tryAdmit("a")).isTrue();
        assertThat(gate.admit("b", Duration.ofMillis(50))).isFalse();
        assertThat(gate.awaitRoom(Duration.ofMillis(50))).isFalse();
        assertThat(gate.unfinished()).isEqualTo(1);

        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            var waiting = thread.submit(() -> gate.admit("b", Duration.ofSeconds(20)));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ofMillis(30))
                    .until(() -> !waiting.isDone());
            gate.finished("a");
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            thread.shutdownNow();
        }
        assertThat(gate.counts("b")).isTrue();
        assertThat(gate.unfinished()).isEqualTo(1);
        assertThat(gate.admit("c", Duration.ZERO)).isFalse();
    }

    @Test
    void racingCallersNeverPassTheBound() throws Exception {
        RunAdmission gate = gate(100);
        AtomicInteger admitted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            done.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < 1_000; i++) {
                    if (gate.tryAdmit(thread + "-" + i)) {
                        admitted.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (var future : done) {
            future.get(10, TimeUnit.SECONDS);
        }
        threads.shutdown();
        assertThat(admitted.get()).isEqualTo(100);
        assertThat(gate.unfinished()).isEqualTo(100);
    }
}
