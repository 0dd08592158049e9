package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The waiter answers on the thread that tells it a run ended: no poll tick is involved. The safety-net sweep is set
 * to an hour and every bound to an hour, so an answer seen here came from the signal (or the one look at the file when
 * the wait starts), never from a timer.
 */
class RunCompletionWaiterTest {
    private static final Duration NEVER = Duration.ofHours(1);
    private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path data;

    private RunCompletionWaiter waiter;

    @AfterEach
    void stop() {
        if (waiter != null) {
            waiter.destroy();
        }
    }

    private static RunSnapshot run(String runId, RunStatus status, long revision) {
        return new RunSnapshot(runId, "wf", 1, status, T0, T0, status.isFinal() ? T0 : null, T0, Json.object(), Map.of(), null,
                null, revision);
    }

    private DeferredResult<ResponseEntity<Object>> await(RunSnapshot pending) {
        return waiter.await(pending, NEVER, r -> ResponseEntity.ok().body(r), r -> ResponseEntity.accepted().body(r));
    }

    @SuppressWarnings("unchecked")
    private static Optional<ResponseEntity<Object>> answer(DeferredResult<ResponseEntity<Object>> result) {
        return Optional.ofNullable((ResponseEntity<Object>) result.getResult());
    }

    @Test
    void aFinalSnapshotFromTheProjectorAnswersTheWaitingRequestOnTheCallersThread() {
        waiter = new RunCompletionWaiter(new FileStore(data), NEVER);
        String runId = UUID.randomUUID().toString();
        DeferredResult<ResponseEntity<Object>> result = await(run(runId, RunStatus.PENDING, 0));
        assertThat(result.hasResult()).isFalse();
        assertThat(waiter.waitsFor(runId)).isTrue();

        waiter.runEnded(run(UUID.randomUUID().toString(), RunStatus.COMPLETED, 3)); // another run: nothing
        assertThat(result.hasResult()).isFalse();

        waiter.runEnded(run(runId, RunStatus.COMPLETED, 3));

        assertThat(answer(result)).hasValueSatisfying(response -> {
            assertThat(response.getStatusCode().value()).isEqualTo(200);
            assertThat(((RunSnapshot) response.getBody()).revision()).isEqualTo(3);
        });
        assertThat(waiter.waitingCount()).isZero();
        assertThat(waiter.waitsFor(runId)).isFalse();
    }

    @Test
    void everyRequestWaitingForTheSameRunIsAnsweredOnce() {
        waiter = new RunCompletionWaiter(new FileStore(data), NEVER);
        String runId = UUID.randomUUID().toString();
        DeferredResult<ResponseEntity<Object>> first = await(run(runId, RunStatus.PENDING, 0));
        DeferredResult<ResponseEntity<Object>> second = await(run(runId, RunStatus.PENDING, 0));
        assertThat(waiter.waitingCount()).isEqualTo(2);

        RunSnapshot failed = run(runId, RunStatus.FAILED, 5);
        waiter.runEnded(failed);
        waiter.runEnded(failed); // the tail and the projector may both tell it

        assertThat(answer(first)).hasValueSatisfying(r -> assertThat(r.getBody()).isEqualTo(failed));
        assertThat(answer(second)).hasValueSatisfying(r -> assertThat(r.getBody()).isEqualTo(failed));
        assertThat(waiter.waitingCount()).isZero();
    }

    @Test
    void aRunThatIsNotFinalYetKeepsTheRequestWaiting() {
        waiter = new RunCompletionWaiter(new FileStore(data), NEVER);
        String runId = UUID.randomUUID().toString();
        DeferredResult<ResponseEntity<Object>> result = await(run(runId, RunStatus.PENDING, 0));

        waiter.runEnded(run(runId, RunStatus.RUNNING, 2));

        assertThat(result.hasResult()).isFalse();
        assertThat(waiter.waitingCount()).isEqualTo(1);
    }

    @Test
    void aRunAlreadyFinalInTheStoreWhenTheWaitStartsIsAnsweredAtOnce() {
        FileStore store = new FileStore(data);
        waiter = new RunCompletionWaiter(store, NEVER);
        String runId = UUID.randomUUID().toString();
        store.saveRunIfNewer(run(runId, RunStatus.COMPLETED, 4)); // projected before the request began to wait

        DeferredResult<ResponseEntity<Object>> result = await(run(runId, RunStatus.PENDING, 0));

        assertThat(answer(result)).hasValueSatisfying(r -> assertThat(((RunSnapshot) r.getBody()).revision()).isEqualTo(4));
        assertThat(waiter.waitingCount()).isZero();
    }

    @Test
    void theBoundAnswersWithTheLatestSnapshot() {
        waiter = new RunCompletionWaiter(new FileStore(data), NEVER);
        String runId = UUID.randomUUID().toString();
        DeferredResult<ResponseEntity<Object>> result = waiter.await(run(runId, RunStatus.PENDING, 0), Duration.ofMillis(50),
                r -> ResponseEntity.ok().body(r), r -> ResponseEntity.accepted().body(r));

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(result::hasResult);
        assertThat(answer(result)).hasValueSatisfying(r -> assertThat(r.getStatusCode().value()).isEqualTo(202));
        assertThat(waiter.waitingCount()).isZero();
    }

    @Test
    void theTailParsesOnlyFinalEventsOfRunsWaitedOn() {
        waiter = new RunCompletionWaiter(new FileStore(data), NEVER);
        RunEndTail tail = new RunEndTail(() -> {
            throw new UnsupportedOperationException("not started here");
        }, waiter, new io.zaps.gateway.run.RunAdmission(0, Duration.ofMinutes(1), Duration.ofSeconds(1), System::nanoTime));
        String runId = UUID.randomUUID().toString();
        DeferredResult<ResponseEntity<Object>> result = await(run(runId, RunStatus.PENDING, 0));

        // not waited on: not even parsed (this value is no JSON)
        tail.offer(record(UUID.randomUUID().toString(), "run_completed", "not json".getBytes(StandardCharsets.UTF_8)));
        // waited on, but a step event: skipped by its header
        tail.offer(record(runId, "step_started", "not json".getBytes(StandardCharsets.UTF_8)));
        assertThat(result.hasResult()).isFalse();

        RunSnapshot completed = run(runId, RunStatus.COMPLETED, 6);
        tail.offer(record(runId, "run_completed", Json.toBytes(new RunEvent(RunEventType.RUN_COMPLETED, SchemaVersions.CURRENT,
                runId, null, T0, completed))));

        assertThat(answer(result)).hasValueSatisfying(r -> assertThat(r.getBody()).isEqualTo(completed));
    }

    private static ConsumerRecord<String, byte[]> record(String key, String type, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(Topics.HEADER_EVENT_TYPE, type.getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(Topics.RUN_EVENTS, 0, 0L, 0L, TimestampType.CREATE_TIME, 0, 0, key, value, headers, Optional.empty());
    }
}
