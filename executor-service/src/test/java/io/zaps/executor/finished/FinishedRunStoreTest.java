package io.zaps.executor.finished;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.run.RunState;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Pruning of finished runs over real (in-memory) Kafka Streams key-value stores. */
class FinishedRunStoreTest {
    private static final Instant T = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration DAY = Duration.ofDays(1);

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private KeyValueStore<String, byte[]> runs;
    private KeyValueStore<String, byte[]> expiry;
    private FinishedRunStore finished;

    @BeforeEach
    void openStores() {
        runs = store("finished-runs");
        expiry = store("finished-runs-expiry");
        finished = new FinishedRunStore(runs, expiry, new FinishedRunStore.Retention(DAY, Duration.ofDays(7)));
    }

    @AfterEach
    void closeStores() {
        runs.close();
        expiry.close();
    }

    @Test
    void aRunIsForgottenOnceItsWindowIsOverAndNotBefore() {
        finished.put(completed("run-a", T), T);

        assertThat(finished.prune(T.plus(DAY).minusSeconds(1), 10)).isZero();
        assertThat(finished.get("run-a")).isNotNull();
        assertThat(finished.prune(T.plus(DAY), 10)).isEqualTo(1);
        assertThat(finished.get("run-a")).isNull();
    }

    @Test
    void aRunWhoseWindowEndedBeforeTheLastPruneIsStillForgotten() {
        assertThat(finished.prune(T, 10)).isZero();

        // Finished two days ago (its completed_at came with it), so its window ended before the last prune.
        finished.put(completed("run-old", T.minus(DAY.multipliedBy(2))), T);
        assertThat(finished.prune(T.plusSeconds(1), 10)).isEqualTo(1);
        assertThat(finished.get("run-old")).isNull();
    }

    @Test
    void moreDueThanMaxAreForgottenOverSeveralPrunes() {
        for (int i = 0; i < 5; i++) {
            finished.put(completed("run-" + i, T), T);
        }
        assertThat(finished.prune(T.plus(DAY), 2)).isEqualTo(2);
        assertThat(finished.prune(T.plus(DAY), 2)).isEqualTo(2);
        assertThat(finished.prune(T.plus(DAY), 2)).isEqualTo(1);
        assertThat(finished.prune(T.plus(DAY), 2)).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(finished.get("run-" + i)).isNull();
        }
    }

    private KeyValueStore<String, byte[]> store(String name) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private static RunState completed(String runId, Instant at) {
        WorkflowDefinition workflow = new WorkflowDefinition("hook", "hook", null, "send", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("send", "webhook", Json.object().put("url", "http://127.0.0.1:9/hook"), null)), 1, at, at);
        RunSnapshot run = new RunSnapshot(runId, "hook", 1, RunStatus.COMPLETED, at, at, at, at, Json.object(), Map.of(), null, null, 4);
        return RunState.of(run, workflow, "evt-" + runId);
    }
}
