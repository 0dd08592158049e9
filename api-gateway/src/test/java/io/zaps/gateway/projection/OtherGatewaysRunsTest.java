package io.zaps.gateway.projection;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.RunSummary;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a gateway learns of the runs of partitions it does not project, and which partitions those are. */
class OtherGatewaysRunsTest {
    private static final Instant T0 = Instant.parse("2031-01-01T00:00:00Z");
    private static final String RUN = "00000000-0000-4000-8000-000000000001";
    private static final String OTHER = "00000000-0000-4000-8000-000000000002";

    private final RunCatalog catalog = new RunCatalog();
    private final OtherGatewaysRuns others = new OtherGatewaysRuns(catalog);
    private final List<RunSummary> streamed = new ArrayList<>();
    private long offset;

    OtherGatewaysRunsTest() {
        catalog.onChange(streamed::add);
    }

    @Test
    void theNewestEventOfEachRunInAPollReachesTheCatalog_olderOnesAreNotEvenParsed() {
        List<ConsumerRecord<String, byte[]>> poll = new ArrayList<>();
        poll.add(event(RUN, RunEventType.RUN_STARTED, RunStatus.RUNNING, 1, true));
        poll.add(garbled(RUN, 2)); // superseded in the same poll: never parsed
        poll.add(event(OTHER, RunEventType.RUN_STARTED, RunStatus.RUNNING, 1, true));
        poll.add(event(RUN, RunEventType.RUN_COMPLETED, RunStatus.COMPLETED, 3, true));

        others.offer(poll);

        assertThat(streamed).extracting(RunSummary::runId, RunSummary::status, RunSummary::revision)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(RUN, RunStatus.COMPLETED, 3L),
                        org.assertj.core.groups.Tuple.tuple(OTHER, RunStatus.RUNNING, 1L));
        assertThat(catalog.find(RUN).durationMs()).isEqualTo(1_500);
    }

    @Test
    void eventsWithoutHeadersAreReadOneByOne_andUnreadableOnesAreSkipped() {
        others.offer(List.of(event(RUN, RunEventType.STEP_STARTED, RunStatus.RUNNING, 1, false),
                garbled(OTHER, 1),
                event(RUN, RunEventType.RUN_FAILED, RunStatus.FAILED, 2, false)));

        assertThat(streamed).extracting(RunSummary::revision).containsExactly(1L, 2L);
        assertThat(catalog.find(RUN).status()).isEqualTo(RunStatus.FAILED);
        assertThat(catalog.find(OTHER)).isNull();
    }

    @Test
    void aHeaderThatLiesAboutTheRevisionIsSkipped() {
        ConsumerRecord<String, byte[]> lying = event(RUN, RunEventType.RUN_COMPLETED, RunStatus.COMPLETED, 2, true);
        lying.headers().remove(Topics.HEADER_REVISION);
        lying.headers().add(Topics.HEADER_REVISION, "9".getBytes(StandardCharsets.UTF_8));
        others.offer(List.of(lying));
        assertThat(catalog.find(RUN)).isNull();
    }

    @Test
    void aRevokedPartitionIsHandedOverOnceFromWhereTheProjectorStopped() {
        TopicPartition zero = new TopicPartition(Topics.RUN_EVENTS, 0);
        TopicPartition one = new TopicPartition(Topics.RUN_EVENTS, 1);
        others.assigned(List.of(zero, one));
        assertThat(others.projectedHere(0)).isTrue();
        assertThat(others.projectedHere(1)).isTrue();
        assertThat(others.takeHandovers()).isEmpty();

        others.revoked(List.of(one), Map.of(0, 40L, 1, 17L));
        others.revoked(List.of(one), Map.of(1, 21L));

        assertThat(others.projectedHere(0)).isTrue();
        assertThat(others.projectedHere(1)).isFalse();
        assertThat(others.takeHandovers()).as("the lowest offset, once").containsExactly(Map.entry(1, 17L));
        assertThat(others.takeHandovers()).isEmpty();

        others.revoked(List.of(zero), Map.of());
        assertThat(others.projected()).isEmpty();
        assertThat(others.takeHandovers()).as("nothing projected there: nothing to hand over").isEmpty();
    }

    private ConsumerRecord<String, byte[]> event(String runId, RunEventType type, RunStatus status, long revision, boolean headers) {
        RunSnapshot run = new RunSnapshot(runId, "elsewhere_wf", 1, status, T0, T0, status.isFinal() ? T0.plusMillis(1_500) : null, T0,
                Json.object().put("big", "context"), Map.of(), null, status == RunStatus.FAILED ? "boom" : null, revision);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.RUN_EVENTS, 1, offset++, runId,
                Json.toBytes(new RunEvent(type, SchemaVersions.CURRENT, runId, null, T0, run)));
        if (headers) {
            record.headers().add(Topics.HEADER_EVENT_TYPE, type.wireName().getBytes(StandardCharsets.UTF_8));
            record.headers().add(Topics.HEADER_REVISION, Long.toString(revision).getBytes(StandardCharsets.UTF_8));
        }
        return record;
    }

    private ConsumerRecord<String, byte[]> garbled(String runId, long revision) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.RUN_EVENTS, 1, offset++, runId,
                "{not json".getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_EVENT_TYPE, RunEventType.STEP_STARTED.wireName().getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_REVISION, Long.toString(revision).getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
