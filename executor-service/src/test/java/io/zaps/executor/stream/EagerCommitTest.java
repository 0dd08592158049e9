package io.zaps.executor.stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** When a processed command asks for a commit at once ({@code zaps.executor.eager-commit-within}). */
class EagerCommitTest {
    private static final long NOW = 1_800_000_000_000L;

    @Test
    void aFreshCommandIsCommittedAtOnce() {
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 1, 5)).isTrue();
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 5, 5)).isTrue();
    }

    @Test
    void aCommandThatWaitedLongerIsLeftToTheCommitInterval() {
        // A backlog: batching many commands per transaction is what keeps the executor's throughput up.
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 6, 5)).isFalse();
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 60_000, 5)).isFalse();
    }

    @Test
    void aTimestampFromTheFutureCountsAsFresh() {
        // An outside producer's clock may run ahead; committing early is harmless.
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW + 1_000, 5)).isTrue();
    }

    @Test
    void zeroTurnsItOff() {
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW, 0)).isFalse();
    }
}
