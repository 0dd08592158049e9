package io.zaps.trigger.source.ownership;

import io.zaps.trigger.source.TriggerInstance;
import io.zaps.trigger.source.WorkflowOwnership;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two trigger-service instances on one broker split the workflows through the triggers topic's group assignment. */
class OwnershipIntegrationTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final List<String> IDS = IntStream.range(0, 300).mapToObj(i -> "wf_" + i).toList();
    private static EmbeddedKafkaKraftBroker broker;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void each_workflow_is_owned_by_exactly_one_instance_and_the_survivor_takes_all_over() {
        Map<String, String> properties = Map.of("zaps.kafka.partitions", "4", "zaps.trigger.listener-concurrency", "2");
        try (TriggerInstance a = TriggerInstance.start("a", broker.getBrokersAsString(), dataDir, properties);
             TriggerInstance b = TriggerInstance.start("b", broker.getBrokersAsString(), dataDir, properties)) {
            WorkflowOwnership ownershipA = a.bean(WorkflowOwnership.class);
            WorkflowOwnership ownershipB = b.bean(WorkflowOwnership.class);

            await().atMost(AT_MOST).untilAsserted(() -> {
                assertThat(a.bean(PartitionOwnership.class).assignedPartitions()).isNotEmpty();
                assertThat(b.bean(PartitionOwnership.class).assignedPartitions()).isNotEmpty();
                assertThat(IDS).allSatisfy(id -> assertThat(ownershipA.owns(id) ^ ownershipB.owns(id)).as(id).isTrue());
            });
            assertThat(IDS.stream().filter(ownershipA::owns)).isNotEmpty();
            assertThat(IDS.stream().filter(ownershipB::owns)).isNotEmpty();
            assertThat(IDS).allSatisfy(id -> assertThat(ownershipA.owns(id)).isEqualTo(
                    a.bean(PartitionOwnership.class).assignedPartitions().contains(WorkflowPartitions.partitionOf(id, 4))));

            b.close();

            await().atMost(AT_MOST).untilAsserted(() -> assertThat(IDS).allMatch(ownershipA::owns));
            assertThat(a.bean(PartitionOwnership.class).assignedPartitions()).containsExactly(0, 1, 2, 3);
        }
    }
}
