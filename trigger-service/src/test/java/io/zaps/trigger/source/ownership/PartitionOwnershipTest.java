package io.zaps.trigger.source.ownership;

import io.zaps.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PartitionOwnershipTest {
    private static final Duration AT_MOST = Duration.ofSeconds(10);

    @Test
    void partition_is_the_one_kafkas_producer_picks_for_the_workflow_id_as_key() {
        for (int count : new int[] {1, 2, 3, 6, 7, 100}) {
            for (String id : List.of("invoice_reminder", "a", "nightly-report", "wf_42", "Z")) {
                assertThat(WorkflowPartitions.partitionOf(id, count))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(id.getBytes(StandardCharsets.UTF_8), count));
            }
        }
    }

    @Test
    void owns_nothing_before_the_first_assignment() {
        PartitionOwnership ownership = new PartitionOwnership(Topics.TRIGGERS, "test");

        assertThat(ownership.owns("invoice_reminder")).isFalse();
        assertThat(ownership.runIfOwned("invoice_reminder", () -> { })).isFalse();
    }

    @Test
    void owns_the_workflows_of_its_assigned_partitions_only() {
        PartitionOwnership ownership = withPartitions(6);

        ownership.assigned(List.of(tp(0), tp(2), tp(4), new TopicPartition("other", 1)));

        List<String> ids = IntStream.range(0, 200).mapToObj(i -> "wf_" + i).toList();
        for (String id : ids) {
            int partition = WorkflowPartitions.partitionOf(id, 6);
            assertThat(ownership.owns(id)).as(id).isEqualTo(partition % 2 == 0);
        }
        assertThat(ownership.assignedPartitions()).containsExactly(0, 2, 4);
    }

    @Test
    void two_instances_with_complementary_assignments_own_every_workflow_exactly_once() {
        PartitionOwnership a = withPartitions(6);
        PartitionOwnership b = withPartitions(6);
        a.assigned(List.of(tp(0), tp(1), tp(5)));
        b.assigned(List.of(tp(2), tp(3), tp(4)));

        for (int i = 0; i < 500; i++) {
            String id = "wf_" + i;
            assertThat(a.owns(id) ^ b.owns(id)).as(id).isTrue();
        }
    }

    @Test
    void revoked_partitions_are_no_longer_owned_and_listeners_hear_of_each_change() {
        PartitionOwnership ownership = withPartitions(3);
        AtomicInteger changes = new AtomicInteger();
        ownership.onChange(changes::incrementAndGet);
        String id = idOnPartition(1, 3);

        ownership.assigned(List.of(tp(0), tp(1)));
        assertThat(ownership.owns(id)).isTrue();
        long version = ownership.version();

        ownership.revoked(List.of(tp(1)));

        assertThat(ownership.owns(id)).isFalse();
        assertThat(ownership.version()).isGreaterThan(version);
        assertThat(changes).hasValue(2);
        ownership.revoked(List.of(tp(1)));
        assertThat(changes).as("nothing changed").hasValue(2);
    }

    @Test
    void revocation_waits_for_an_action_running_for_an_owned_workflow() throws Exception {
        PartitionOwnership ownership = withPartitions(3);
        String id = idOnPartition(2, 3);
        ownership.assigned(List.of(tp(2)));
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> action = CompletableFuture.supplyAsync(() -> ownership.runIfOwned(id, () -> {
            started.countDown();
            await(release);
        }));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> revocation = CompletableFuture.runAsync(() -> ownership.revoked(List.of(tp(2))));

        Thread.sleep(200);
        assertThat(revocation).as("held off by the running action").isNotDone();
        assertThat(ownership.owns(id)).isTrue();
        release.countDown();
        revocation.get(10, TimeUnit.SECONDS);
        assertThat(action.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(ownership.owns(id)).isFalse();
        assertThat(ownership.runIfOwned(id, () -> { })).isFalse();
    }

    @Test
    void composed_listeners_all_hear_every_callback_in_order() {
        List<String> calls = new ArrayList<>();
        ConsumerRebalanceListener plain = new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                calls.add("plain assigned " + partitions);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                calls.add("plain revoked " + partitions);
            }
        };
        PartitionOwnership ownership = withPartitions(3);
        var composite = RebalanceListeners.of(plain, ownership);

        composite.onPartitionsAssigned(null, List.of(tp(1)));
        assertThat(ownership.assignedPartitions()).containsExactly(1);
        composite.onPartitionsRevokedBeforeCommit(null, List.of(tp(1)));
        composite.onPartitionsRevokedAfterCommit(null, List.of(tp(1)));
        assertThat(ownership.assignedPartitions()).isEmpty();
        composite.onPartitionsAssigned(null, List.of(tp(0)));
        composite.onPartitionsLost(null, List.of(tp(0)));

        assertThat(ownership.assignedPartitions()).isEmpty();
        assertThat(calls).containsExactly("plain assigned [zaps.triggers-1]", "plain revoked [zaps.triggers-1]",
                "plain assigned [zaps.triggers-0]", "plain revoked [zaps.triggers-0]");
    }

    private static PartitionOwnership withPartitions(int count) {
        PartitionOwnership ownership = new PartitionOwnership(Topics.TRIGGERS, "test");
        ownership.partitionCount(count);
        return ownership;
    }

    static String idOnPartition(int partition, int count) {
        return IntStream.range(0, 10_000).mapToObj(i -> "wf_" + i)
                .filter(id -> WorkflowPartitions.partitionOf(id, count) == partition).findFirst().orElseThrow();
    }

    private static TopicPartition tp(int partition) {
        return new TopicPartition(Topics.TRIGGERS, partition);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(AT_MOST.toSeconds(), TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
