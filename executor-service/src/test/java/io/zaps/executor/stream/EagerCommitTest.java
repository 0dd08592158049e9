package io.zaps.executor.stream;

import io.zaps.contract.step.StepTypes;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.run.RunStateMachine;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** When a processed command asks for a commit at once ({@code zaps.executor.eager-commit-within}). */
class EagerCommitTest {
    private static final long NOW = 1_800_000_000_000L;

    private final MutableClock clock = new MutableClock(Instant.ofEpochMilli(NOW));
    private MockProcessorContext<String, Object> context;

    @BeforeEach
    void context() {
        context = new MockProcessorContext<>();
        for (String name : new String[] {ExecutorTopology.RUNS_STORE,
                ExecutorTopology.FINISHED_RUNS_STORE, ExecutorTopology.FINISHED_EXPIRY_STORE}) {
            KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                    Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
        }
    }

    private RunCommandProcessor processor(Duration eagerCommitWithin) {
        RunCommandProcessor processor = new RunCommandProcessor(new RunStateMachine(StepTypes.discover()), clock,
                Duration.ofMillis(100), eagerCommitWithin, new FinishedRunStore.Retention(Duration.ofHours(24), Duration.ofDays(7)));
        processor.init(context);
        return processor;
    }

    /** A record the processor dead-letters: enough to see whether it asks for a commit afterwards. */
    private static Record<String, byte[]> commandProducedAt(long timestamp) {
        return new Record<>("not-a-run", "{ not json".getBytes(StandardCharsets.UTF_8), timestamp);
    }

    @Test
    void aFreshCommandIsCommittedAtOnce() {
        RunCommandProcessor processor = processor(Duration.ofMillis(5));
        processor.process(commandProducedAt(NOW - 3));
        assertThat(context.forwarded()).hasSize(1); // the dead letter, in the transaction being committed
        assertThat(context.committed()).isTrue();

        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 1, 5)).isTrue();
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW - 5, 5)).isTrue();
    }

    @Test
    void aCommandThatWaitedLongerIsLeftToTheCommitInterval() {
        // A backlog: batching many commands per transaction is what keeps the executor's throughput up.
        RunCommandProcessor processor = processor(Duration.ofMillis(5));
        processor.process(commandProducedAt(NOW - 6));
        assertThat(context.forwarded()).hasSize(1);
        assertThat(context.committed()).isFalse();

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
        RunCommandProcessor processor = processor(Duration.ZERO);
        processor.process(commandProducedAt(NOW));
        assertThat(context.committed()).isFalse();
        assertThat(RunCommandProcessor.commitAtOnce(NOW, NOW, 0)).isFalse();
    }
}
