package io.zaps.trigger.source.topic;

import io.zaps.trigger.WorkflowTopicWriter;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.trigger.KafkaTrigger;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.trigger.source.RecordLog;
import io.zaps.trigger.source.TriggerInstance;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.zaps.trigger.source.RecordLog.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kafka-topic triggers as they run: trigger-service instances on one embedded KRaft broker and one data folder, a user
 * topic written by a plain producer, the StartRun commands read back from {@code zaps.run-commands}.
 */
class TopicTriggerIntegrationTest {
    private static final Logger log = LoggerFactory.getLogger(TopicTriggerIntegrationTest.class);
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");
    private static final int MAX_RECORD_BYTES = 2048;
    private static final Map<String, String> PROPERTIES = Map.of(
            "zaps.kafka.partitions", "2",
            "zaps.trigger.listener-concurrency", "1",
            "zaps.trigger.publish-timeout", "10s",
            "zaps.trigger.topic-max-record-bytes", Integer.toString(MAX_RECORD_BYTES));
    private static EmbeddedKafkaKraftBroker broker;
    private static Admin admin;

    @TempDir
    Path dataDir;

    private final List<TriggerInstance> instances = new ArrayList<>();
    private WorkflowTopicWriter store;
    private KafkaProducer<byte[], byte[]> producer;
    private RecordLog recordLog;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
    }

    @AfterAll
    static void stopBroker() {
        admin.close();
        broker.destroy();
    }

    @BeforeEach
    void setUp() {
        store = new WorkflowTopicWriter(broker.getBrokersAsString());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void tearDown() {
        instances.forEach(TriggerInstance::close);
        producer.close();
        store.close();
        if (recordLog != null) {
            recordLog.close();
        }
    }

    @Test
    void two_instances_split_the_partitions_and_each_record_starts_exactly_one_run_also_when_redelivered() throws Exception {
        createTopic("orders", 3);
        store.saveWorkflowVersion(workflow("order_flow", WorkflowStatus.ACTIVE, 1, "orders", "earliest"));
        TriggerInstance a = start("a");
        start("b");
        recordLog = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS, Topics.deadLetter(Topics.TRIGGERS));
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(membersWithPartitions("order_flow")).isEqualTo(2));

        Set<String> expected = new HashSet<>(produce("orders", 30, "first"));
        awaitRuns("order_flow", expected);

        // One instance goes: the other takes all partitions over from the committed offsets.
        a.close();
        expected.addAll(produce("orders", 15, "second"));
        awaitRuns("order_flow", expected);

        // It comes back: the group splits the partitions again.
        start("a-again");
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(membersWithPartitions("order_flow")).isEqualTo(2));
        expected.addAll(produce("orders", 15, "third"));
        Map<String, Long> runs = awaitRuns("order_flow", expected);
        log.info("{} records, {} StartRun records, {} distinct runs before the redelivery", expected.size(),
                runs.values().stream().mapToLong(Long::longValue).sum(), runs.size());
        assertThat(runs.values()).as("graceful hand-overs publish nothing twice").allMatch(n -> n == 1);

        // Everything read again (as after a crash before the offsets were committed): still one run per record.
        instances.forEach(TriggerInstance::close);
        resetOffsetsToEarliest(TopicTriggerRunner.GROUP_PREFIX + "order_flow", "orders");
        start("c");
        await().atMost(AT_MOST).until(() -> startCounts("order_flow").values().stream().allMatch(n -> n == 2));
        runs = startCounts("order_flow");
        log.info("after the redelivery: {} StartRun records, {} distinct runs", runs.values().stream().mapToLong(Long::longValue).sum(), runs.size());
        assertThat(runs.keySet()).isEqualTo(runIds(expected));
        assertThat(deadLetters("orders")).isEmpty();
    }

    @Test
    void record_context_carries_key_value_headers_and_position_and_an_oversized_record_is_dead_lettered() throws Exception {
        createTopic("payments", 1);
        store.saveWorkflowVersion(workflow("payment_flow", WorkflowStatus.ACTIVE, 1, "payments", "earliest"));
        start("solo");
        recordLog = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS, Topics.deadLetter(Topics.TRIGGERS));

        RecordHeaders headers = new RecordHeaders();
        headers.add("trace-id", utf8("t-1"));
        RecordMetadata json = producer.send(new ProducerRecord<>("payments", null, utf8("p-1"), utf8("{\"amount\": 12.5}"), headers)).get();
        byte[] big = new byte[MAX_RECORD_BYTES + 1];
        Arrays.fill(big, (byte) 'x');
        RecordMetadata oversized = producer.send(new ProducerRecord<>("payments", utf8("p-2"), big)).get();
        RecordMetadata text = producer.send(new ProducerRecord<>("payments", null, utf8("plain text"))).get();

        StartRun first = awaitStart(eventId("payment_flow", json));
        assertThat(first.context().get("key").asString()).isEqualTo("p-1");
        assertThat(first.context().get("value").get("amount").asDouble()).isEqualTo(12.5);
        assertThat(first.context().get("headers").get("trace-id").asString()).isEqualTo("t-1");
        assertThat(first.context().get("topic").asString()).isEqualTo("payments");
        assertThat(first.context().get("partition").asInt()).isZero();
        assertThat(first.context().get("offset").asLong()).isEqualTo(json.offset());
        assertThat(Instant.parse(first.context().get("timestamp").asString()).toEpochMilli()).isEqualTo(json.timestamp());
        assertThat(first.runId()).isEqualTo(Ids.runIdForEvent(eventId("payment_flow", json)));
        StartRun third = awaitStart(eventId("payment_flow", text));
        assertThat(third.context().get("value").asString()).isEqualTo("plain text");
        assertThat(third.context().get("key").isNull()).isTrue();

        ConsumerRecord<String, byte[]> dead = await().atMost(AT_MOST).until(
                () -> deadLetters("payments"), r -> !r.isEmpty()).get(0);
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).contains("over the limit of " + MAX_RECORD_BYTES + " bytes");
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_OFFSET)).isEqualTo(Long.toString(oversized.offset()));
        assertThat(header(dead, TopicTriggerListener.HEADER_DLT_WORKFLOW_ID)).isEqualTo("payment_flow");
        assertThat(dead.key()).isEqualTo("p-2");
        assertThat(dead.value()).isEqualTo(big);
        assertThat(startCounts("payment_flow")).doesNotContainKey(Ids.runIdForEvent(eventId("payment_flow", oversized)));
    }

    @Test
    void paused_workflow_holds_its_records_back_resumed_goes_on_where_it_left_off_and_deleted_stops() throws Exception {
        createTopic("invoices", 2);
        store.saveWorkflowVersion(workflow("invoice_flow", WorkflowStatus.ACTIVE, 1, "invoices", "latest"));
        TriggerInstance solo = start("solo");
        recordLog = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS, Topics.deadLetter(Topics.TRIGGERS));
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(membersWithPartitions("invoice_flow")).isEqualTo(1));
        Set<String> before = new HashSet<>(produce("invoices", 5, "before"));
        awaitRuns("invoice_flow", before);

        store.saveWorkflowVersion(workflow("invoice_flow", WorkflowStatus.PAUSED, 2, "invoices", "latest"));
        TopicTriggerRunner runner = solo.bean(TopicTriggerRunner.class);
        await().atMost(AT_MOST).until(() -> Boolean.TRUE.equals(runner.subscriptions().get("invoice_flow")));
        Set<String> held = new HashSet<>(produce("invoices", 5, "paused"));
        Thread.sleep(3000);
        assertThat(startCounts("invoice_flow").keySet()).isEqualTo(runIds(before));
        assertThat(deadLetters("invoices")).as("held back, not rejected").isEmpty();

        store.saveWorkflowVersion(workflow("invoice_flow", WorkflowStatus.ACTIVE, 3, "invoices", "latest"));
        Set<String> all = new HashSet<>(before);
        all.addAll(held);
        Map<String, Long> runs = awaitRuns("invoice_flow", all);
        assertThat(runs.values()).allMatch(n -> n == 1);

        store.deleteWorkflow("invoice_flow");
        await().atMost(AT_MOST).until(() -> !runner.subscriptions().containsKey("invoice_flow"));
        produce("invoices", 3, "deleted");
        Thread.sleep(2000);
        assertThat(startCounts("invoice_flow").keySet()).isEqualTo(runIds(all));
    }

    @Test
    void topic_that_does_not_exist_yet_is_waited_for() throws Exception {
        store.saveWorkflowVersion(workflow("late_flow", WorkflowStatus.ACTIVE, 1, "late-topic", "earliest"));
        TriggerInstance solo = start("solo");
        recordLog = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS);
        await().atMost(AT_MOST).until(() -> solo.bean(TopicTriggerRunner.class).subscriptions().containsKey("late_flow"));
        Thread.sleep(2000);
        assertThat(admin.listTopics().names().get()).doesNotContain("late-topic");

        createTopic("late-topic", 1);
        Set<String> expected = new HashSet<>(produce("late-topic", 3, "late"));

        awaitRuns("late_flow", expected);
        assertThat(solo.isRunning()).isTrue();
    }

    // ---------------------------------------------------------------- helpers

    private TriggerInstance start(String name) {
        TriggerInstance instance = TriggerInstance.start(name, broker.getBrokersAsString(), dataDir, PROPERTIES);
        instances.add(instance);
        return instance;
    }

    private static void createTopic(String name, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }

    /** Produces {@code count} JSON records with distinct keys; answers their event ids for {@code workflowId}. */
    private List<String> produce(String topic, int count, String tag) throws Exception {
        String workflowId = workflowOf(topic);
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(producer.send(new ProducerRecord<>(topic, utf8(tag + "-" + i), utf8("{\"n\": " + i + ", \"tag\": \"" + tag + "\"}"))));
        }
        List<String> eventIds = new ArrayList<>();
        for (var future : sent) {
            eventIds.add(eventId(workflowId, future.get()));
        }
        return eventIds;
    }

    private static String workflowOf(String topic) {
        return switch (topic) {
            case "orders" -> "order_flow";
            case "invoices" -> "invoice_flow";
            case "late-topic" -> "late_flow";
            default -> throw new IllegalArgumentException(topic);
        };
    }

    private static String eventId(String workflowId, RecordMetadata metadata) {
        return KafkaTrigger.eventId(workflowId, metadata.topic(), metadata.partition(), metadata.offset());
    }

    /** Waits until a run started for every expected event id; answers the StartRun count per run id. */
    private Map<String, Long> awaitRuns(String workflowId, Set<String> eventIds) {
        Set<String> runIds = runIds(eventIds);
        Map<String, Long> counts = await().atMost(AT_MOST).until(() -> startCounts(workflowId), c -> c.keySet().containsAll(runIds));
        assertThat(counts.keySet()).as("exactly the runs of the records").isEqualTo(runIds);
        return counts;
    }

    /** Dead letters of records of {@code sourceTopic} (the broker is shared by the tests of this class). */
    private List<ConsumerRecord<String, byte[]>> deadLetters(String sourceTopic) {
        return recordLog.poll(Topics.deadLetter(Topics.TRIGGERS), r -> sourceTopic.equals(header(r, Topics.HEADER_DLT_SOURCE_TOPIC)));
    }

    private StartRun awaitStart(String eventId) {
        String runId = Ids.runIdForEvent(eventId);
        return await().atMost(AT_MOST).until(() -> starts().stream().filter(s -> s.runId().equals(runId)).toList(), s -> !s.isEmpty()).get(0);
    }

    private Map<String, Long> startCounts(String workflowId) {
        return starts().stream().filter(s -> s.eventId().startsWith("kafka-trigger:" + workflowId + ":"))
                .collect(Collectors.groupingBy(StartRun::runId, Collectors.counting()));
    }

    private List<StartRun> starts() {
        return recordLog.poll(Topics.RUN_COMMANDS, r -> true).stream()
                .map(r -> Json.read(r.value(), RunCommand.class))
                .filter(c -> c instanceof StartRun s && s.eventId() != null)
                .map(StartRun.class::cast)
                .toList();
    }

    private static Set<String> runIds(Set<String> eventIds) {
        return eventIds.stream().map(Ids::runIdForEvent).collect(Collectors.toSet());
    }

    private static int membersWithPartitions(String workflowId) throws Exception {
        String group = TopicTriggerRunner.GROUP_PREFIX + workflowId;
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        return (int) description.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
    }

    private static void resetOffsetsToEarliest(String group, String topic) throws Exception {
        await().atMost(AT_MOST).until(() -> admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().isEmpty());
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.earliest()));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> offsets.put(tp, new OffsetAndMetadata(info.offset())));
        admin.alterConsumerGroupOffsets(group, offsets).all().get();
    }

    private static WorkflowDefinition workflow(String id, WorkflowStatus status, int version, String topic, String startFrom) {
        var trigger = Json.object().put("type", "kafka").put("topic", topic).put("start_from", startFrom);
        return new WorkflowDefinition(id, "Workflow " + id, null, "wait", status,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)),
                version, CREATED, CREATED, null, trigger, null);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
