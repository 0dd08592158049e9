package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.gateway.projection.OtherGatewaysRuns;
import io.zaps.gateway.run.RunAdmission;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.ResponseEntity;
import org.springframework.web.context.request.async.DeferredResult;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A second gateway's view: a waiter whose own store never gets the run's file and whose sweep never runs, so only its
 * tail of {@code zaps.run-events} (no consumer group, all partitions, from the end) can answer the waiting request,
 * whichever partition the run is on; and its admission control learns from the same tail that its runs ended.
 */
class RunEndTailTest extends GatewayTestSupport {
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path otherData;

    @Test
    void aGatewayThatDoesNotProjectTheRunsPartitionAnswersFromItsTail() throws Exception {
        RunCompletionWaiter waiter = new RunCompletionWaiter(new FileStore(otherData), NEVER);
        RunAdmission admission = new RunAdmission(100, Duration.ofHours(1), Duration.ofSeconds(1), System::nanoTime);
        RunEndTail tail = new RunEndTail(() -> {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            RunEndTail.overrides().forEach((k, v) -> config.put((String) k, v));
            return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        }, waiter, admission);
        tail.start();
        try {
            assertThat(tail.awaitFollowing(Duration.ofSeconds(30))).isTrue();
            Instant created = Instant.now();
            Map<String, DeferredResult<ResponseEntity<Object>>> results = new HashMap<>();
            for (int i = 0; i < 6; i++) { // several run ids: both partitions
                String runId = UUID.randomUUID().toString();
                results.put(runId, waiter.await(snapshot(runId, RunStatus.PENDING, 0, created), NEVER,
                        r -> ResponseEntity.ok().body(r), r -> ResponseEntity.accepted().body(r)));
            }
            // runs this gateway admitted and nobody waits for: their final events end them for admission control
            java.util.List<String> admitted = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String runId = UUID.randomUUID().toString();
                assertThat(admission.tryAdmit(runId)).isTrue();
                admitted.add(runId);
            }
            try (KafkaProducer<String, byte[]> producer = producer()) {
                for (String runId : results.keySet()) {
                    producer.send(event(runId, RunEventType.STEP_STARTED, snapshot(runId, RunStatus.RUNNING, 1, created))).get();
                    producer.send(event(runId, RunEventType.RUN_COMPLETED, snapshot(runId, RunStatus.COMPLETED, 2, created))).get();
                }
                for (String runId : admitted) {
                    producer.send(event(runId, RunEventType.STEP_STARTED, snapshot(runId, RunStatus.RUNNING, 1, created))).get();
                }
                assertThat(admission.unfinished()).isEqualTo(6); // a step event ends nothing
                for (String runId : admitted) {
                    producer.send(event(runId, RunEventType.RUN_FAILED, snapshot(runId, RunStatus.FAILED, 2, created))).get();
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> admission.unfinished() == 0);

            for (DeferredResult<ResponseEntity<Object>> result : results.values()) {
                await().atMost(Duration.ofSeconds(20)).until(result::hasResult);
                ResponseEntity<?> answer = (ResponseEntity<?>) result.getResult();
                assertThat(answer.getStatusCode().value()).isEqualTo(200);
                assertThat(((RunSnapshot) answer.getBody()).status()).isEqualTo(RunStatus.COMPLETED);
            }
            assertThat(waiter.waitingCount()).isZero();
        } finally {
            tail.stop();
            waiter.destroy();
        }
    }

    /**
     * For the run catalog: the tail starts {@link RunEndTail#CATCH_UP} back, skips the partitions this gateway's
     * projector holds, and reads one again from where the projector stopped when it loses it.
     */
    @Test
    void theTailShowsTheRunsOfPartitionsProjectedElsewhere_andReadsARevokedPartitionAgainFromWhereTheProjectorStopped() throws Exception {
        RunCompletionWaiter waiter = new RunCompletionWaiter(new FileStore(otherData), NEVER);
        RunAdmission admission = new RunAdmission(100, Duration.ofHours(1), Duration.ofSeconds(1), System::nanoTime);
        RunCatalog catalog = new RunCatalog();
        OtherGatewaysRuns others = new OtherGatewaysRuns(catalog);
        Instant created = Instant.now();
        String before = UUID.randomUUID().toString();
        String handedOver = UUID.randomUUID().toString();
        RunEndTail tail = new RunEndTail(() -> {
            Map<String, Object> config = new HashMap<>();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
            RunEndTail.overrides().forEach((k, v) -> config.put((String) k, v));
            return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        }, waiter, admission, others);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // published before the tail starts, on a partition nobody here projects
            producer.send(event(0, before, RunEventType.RUN_COMPLETED, snapshot(before, RunStatus.COMPLETED, 3, created))).get();
            tail.start();
            assertThat(tail.awaitFollowing(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> catalog.find(before) != null);
            assertThat(catalog.find(before).status()).isEqualTo(RunStatus.COMPLETED);

            // now this gateway projects both partitions: the tail leaves their runs to the projector
            others.assigned(List.of(new TopicPartition(Topics.RUN_EVENTS, 0), new TopicPartition(Topics.RUN_EVENTS, 1)));
            DeferredResult<ResponseEntity<Object>> ended = waiter.await(snapshot(handedOver, RunStatus.PENDING, 0, created), NEVER,
                    r -> ResponseEntity.ok().body(r), r -> ResponseEntity.accepted().body(r));
            long first = producer.send(event(1, handedOver, RunEventType.RUN_STARTED, snapshot(handedOver, RunStatus.RUNNING, 1, created)))
                    .get().offset();
            producer.send(event(1, handedOver, RunEventType.RUN_COMPLETED, snapshot(handedOver, RunStatus.COMPLETED, 2, created))).get();
            await().atMost(Duration.ofSeconds(20)).until(ended::hasResult); // the tail has read both
            assertThat(catalog.find(handedOver)).as("left to this gateway's projector").isNull();

            // the projector loses partition 1 before it projected them: they are another gateway's now
            others.revoked(List.of(new TopicPartition(Topics.RUN_EVENTS, 1)), Map.of(1, first));
            await().atMost(Duration.ofSeconds(20)).until(() -> catalog.find(handedOver) != null
                    && catalog.find(handedOver).status() == RunStatus.COMPLETED);
        } finally {
            tail.stop();
            waiter.destroy();
        }
    }

    private static RunSnapshot snapshot(String runId, RunStatus status, long revision, Instant created) {
        return new RunSnapshot(runId, "tail_wf", 1, status, created, created, status.isFinal() ? created : null, created,
                Json.object(), Map.of(), null, null, revision);
    }

    private static ProducerRecord<String, byte[]> event(String runId, RunEventType type, RunSnapshot run) {
        return event(null, runId, type, run);
    }

    private static ProducerRecord<String, byte[]> event(Integer partition, String runId, RunEventType type, RunSnapshot run) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.RUN_EVENTS, partition, runId,
                Json.toBytes(new RunEvent(type, SchemaVersions.CURRENT, runId, null, run.createdAt(), run)));
        record.headers().add(Topics.HEADER_EVENT_TYPE, type.wireName().getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_REVISION, Long.toString(run.revision()).getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
