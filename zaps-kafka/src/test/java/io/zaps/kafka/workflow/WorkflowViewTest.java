package io.zaps.kafka.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import io.zaps.kafka.ZapsKafkaProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory view of zaps.workflows: the rule for which record wins (no I/O), and reading a real KRaft broker. */
class WorkflowViewTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
            admin.createTopics(List.of(ZapsKafkaAutoConfiguration.workflowsTopic(new ZapsKafkaProperties(3, (short) 1, true, 0, 50L, null))))
                    .all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void the_highest_version_wins_whatever_the_order_and_a_delete_hides_the_workflow_until_a_higher_version() {
        WorkflowView view = new WorkflowView(suffix -> null, Duration.ofSeconds(1));
        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("wf", 2))));
        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("wf", 1)))); // late, older
        assertThat(view.find("wf")).get().extracting(WorkflowDefinition::version).isEqualTo(2);

        view.applyRecord("wf", bytes(WorkflowRecord.deleted("wf", 2)));
        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("wf", 2)))); // a repeat of the deleted version
        assertThat(view.find("wf")).isEmpty();
        assertThat(view.deleted("wf")).isTrue();
        assertThat(view.ids()).doesNotContain("wf");

        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("wf", 3))));
        assertThat(view.find("wf")).get().extracting(WorkflowDefinition::version).isEqualTo(3);
        assertThat(view.version("wf")).isEqualTo(3);
    }

    @Test
    void records_that_do_not_parse_or_name_another_workflow_are_skipped_and_a_tombstone_forgets() {
        WorkflowView view = new WorkflowView(suffix -> null, Duration.ofSeconds(1));
        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("wf", 1))));
        view.applyRecord("wf", "{oops".getBytes(StandardCharsets.UTF_8));
        view.applyRecord("wf", bytes(WorkflowRecord.saved(workflow("other", 5))));
        assertThat(view.find("wf")).get().extracting(WorkflowDefinition::version).isEqualTo(1);
        view.applyRecord("wf", null);
        assertThat(view.find("wf")).isEmpty();
        assertThat(view.version("wf")).isZero();
    }

    @Test
    void start_returns_with_what_the_topic_held_and_a_caught_up_view_has_every_acknowledged_record() throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 50; i++) {
                producer.send(record(WorkflowRecord.saved(workflow("before_" + i, 1)))).get();
            }
            WorkflowView view = WorkflowView.of(new DefaultKafkaConsumerFactory<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                    ConsumerConfig.GROUP_ID_CONFIG, "ignored")), "view-test", Duration.ofSeconds(60));
            view.start();
            try {
                assertThat(view.ids()).hasSize(50);
                for (int round = 2; round < 12; round++) {
                    producer.send(record(WorkflowRecord.saved(workflow("after", round)))).get();
                    assertThat(view.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    assertThat(view.find("after")).get().extracting(WorkflowDefinition::version).isEqualTo(round);
                }
            } finally {
                view.stop();
            }
            assertThat(view.isRunning()).isFalse();
        }
    }

    private static ProducerRecord<String, byte[]> record(WorkflowRecord record) {
        return new ProducerRecord<>(Topics.WORKFLOWS, record.workflowId(), bytes(record));
    }

    private static byte[] bytes(WorkflowRecord record) {
        return Json.toBytes(record);
    }

    private static WorkflowDefinition workflow(String id, int version) {
        return new WorkflowDefinition(id, id, null, "wait", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)), version, T, T);
    }
}
