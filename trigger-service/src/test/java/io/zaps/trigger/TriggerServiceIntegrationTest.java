package io.zaps.trigger;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.run.ParentRun;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.FileStore;
import io.zaps.trigger.consume.ReadyLog;
import io.zaps.trigger.consume.TriggerBatchListener;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static io.zaps.trigger.TopicRecorder.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

/**
 * The service as it runs: started through its main method against a real KRaft broker and a real
 * data folder, fed by a plain producer the way an outside program would.
 */
@SpringBootTest(useMainMethod = SpringBootTest.UseMainMethod.ALWAYS, properties = {
        "zaps.kafka.partitions=2",
        "zaps.trigger.listener-concurrency=2",
        "zaps.trigger.publish-timeout=10s",
        "zaps.kafka.retry-backoff-ms=50"})
@EmbeddedKafka(partitions = 2, bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@ExtendWith(OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TriggerServiceIntegrationTest {
    private static final Duration AT_MOST = Duration.ofSeconds(30);
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static final String DLT = Topics.deadLetter(Topics.TRIGGERS);
    private static Path dataDir;

    @Autowired
    ReadyLog readyLog;
    @Autowired
    TriggerBatchListener listener;

    private FileStore store;
    private WorkflowTopicWriter workflows;
    private KafkaProducer<String, byte[]> producer;
    private TopicRecorder recorder;
    private String bootstrapServers;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) throws IOException {
        dataDir = Files.createTempDirectory("zaps-trigger-it");
        registry.add("zaps.trigger.data-dir", dataDir::toString);
    }

    @AfterAll
    static void deleteDataDir() throws IOException {
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @BeforeEach
    void setUp(@Autowired org.springframework.core.env.Environment environment) {
        bootstrapServers = environment.getRequiredProperty("spring.kafka.bootstrap-servers");
        store = new FileStore(dataDir);
        workflows = new WorkflowTopicWriter(bootstrapServers);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringSerializer(), new ByteArraySerializer());
        recorder = new TopicRecorder(bootstrapServers, Topics.RUN_COMMANDS, Topics.RUN_EVENTS, DLT);
    }

    @AfterEach
    void tearDown() {
        workflows.close();
        producer.close();
        recorder.close();
    }

    /** First, so that the ready line (logged once, right after start-up) falls into its captured output. */
    @Test
    @Order(1)
    void logs_ready_exactly_once(CapturedOutput output) {
        await().atMost(AT_MOST).until(readyLog::isReady);
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(output.getAll()).contains(ReadyLog.READY));

        assertThat(output.getAll().split(ReadyLog.READY, -1)).hasSize(2);
    }

    @Test
    void trigger_without_run_id_starts_the_run_with_the_pinned_definition_and_repeats_keep_the_run_id() throws Exception {
        save(workflow("wf_start", WorkflowStatus.ACTIVE, 1, 2));
        String eventId = "evt-" + UUID.randomUUID();
        String json = "{\"workflow_id\":\"wf_start\",\"event_id\":\"" + eventId + "\",\"context\":{\"customer_email\":\"john@example.com\"}}";

        produce(null, json);
        produce("any-key", json);

        String runId = Ids.runIdForEvent(eventId);
        List<ConsumerRecord<String, byte[]>> starts = await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> json(r).contains(eventId)), r -> r.size() == 2);
        for (ConsumerRecord<String, byte[]> record : starts) {
            StartRun start = startRun(record);
            assertThat(record.key()).isEqualTo(runId);
            assertThat(start.runId()).isEqualTo(runId);
            assertThat(start.eventId()).isEqualTo(eventId);
            assertThat(start.workflow()).isEqualTo(workflow("wf_start", WorkflowStatus.ACTIVE, 1, 2));
            assertThat(start.context().get("customer_email").asString()).isEqualTo("john@example.com");
            assertThat(start.requestedAt()).isNotNull();
        }
    }

    /**
     * Offsets are committed per commit interval, not per poll: the last trigger before a quiet spell must
     * still get its offset committed (the container commits on its idle polls), or a restart would
     * redeliver everything since the last busy moment.
     */
    @Test
    void the_offset_of_the_last_trigger_is_committed_within_the_commit_interval_though_no_more_come() throws Exception {
        save(workflow("wf_commit", WorkflowStatus.ACTIVE, 1, 1));
        String eventId = "evt-" + UUID.randomUUID();
        RecordMetadata sent = produce(null, "{\"workflow_id\":\"wf_commit\",\"event_id\":\"" + eventId + "\",\"context\":{}}");
        await().atMost(AT_MOST).until(() -> recorder.poll(Topics.RUN_COMMANDS, r -> json(r).contains(eventId)), r -> r.size() == 1);

        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(TriggerConfiguration.GROUP_ID)
                        .partitionsToOffsetAndMetadata().get().get(partition);
                assertThat(committed).isNotNull();
                assertThat(committed.offset()).isGreaterThan(sent.offset());
            });
        }
    }

    @Test
    void a_repeated_event_whose_run_is_already_stored_starts_nothing_even_after_the_executor_forgot_it() throws Exception {
        save(workflow("wf_repeat", WorkflowStatus.ACTIVE, 1, 1));
        String oldEvent = "evt-" + UUID.randomUUID();
        String oldRun = Ids.runIdForEvent(oldEvent);
        Instant then = Instant.parse("2026-01-01T00:00:00Z");
        store.createRun(new io.zaps.contract.run.RunSnapshot(oldRun, "wf_repeat", 1, RunStatus.COMPLETED, then, then, then, then,
                Json.object(), Map.of(), null, null, 7));
        String freshEvent = "evt-" + UUID.randomUUID();

        produce(null, "{\"workflow_id\":\"wf_repeat\",\"event_id\":\"" + oldEvent + "\"}");
        produce(null, "{\"workflow_id\":\"wf_repeat\",\"event_id\":\"" + freshEvent + "\"}");

        // The fresh event starts its run; the repeat, for a whole second more, does not.
        await().atMost(AT_MOST).until(() -> recorder.poll(Topics.RUN_COMMANDS, r -> Ids.runIdForEvent(freshEvent).equals(r.key())), r -> !r.isEmpty());
        await().during(Duration.ofSeconds(1)).atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> oldRun.equals(r.key())), List::isEmpty);
        assertThat(recorder.poll(DLT, r -> String.valueOf(json(r)).contains(oldEvent))).isEmpty();
    }

    @Test
    void trigger_without_any_id_gets_its_run_id_from_its_position_in_the_log() throws Exception {
        save(workflow("wf_noids", WorkflowStatus.ACTIVE, 3, 2));

        RecordMetadata sent = produce(null, "{\"workflow_id\":\"wf_noids\"}");

        String eventId = Ids.eventIdForRecord(Topics.TRIGGERS, sent.partition(), sent.offset());
        String runId = Ids.runIdForEvent(eventId);
        ConsumerRecord<String, byte[]> record = await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> runId.equals(r.key())), r -> !r.isEmpty()).get(0);
        StartRun start = startRun(record);
        assertThat(start.eventId()).isEqualTo(eventId);
        assertThat(start.workflow().version()).isEqualTo(3);
        assertThat(start.context().isEmpty()).isTrue();
    }

    @Test
    void unknown_workflow_is_dead_lettered_and_the_run_rejected() throws Exception {
        String runId = UUID.randomUUID().toString();

        RecordMetadata sent = produce(runId, "{\"workflow_id\":\"wf_missing\",\"run_id\":\"" + runId + "\",\"event_id\":\"e-missing\"}");

        ConsumerRecord<String, byte[]> dead = awaitDeadLetter(r -> runId.equals(r.key()));
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).contains("wf_missing").contains("does not exist");
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo(Topics.TRIGGERS);
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_PARTITION)).isEqualTo(Integer.toString(sent.partition()));
        assertThat(header(dead, Topics.HEADER_DLT_SOURCE_OFFSET)).isEqualTo(Long.toString(sent.offset()));
        assertThat(TopicRecorder.value(dead)).contains("wf_missing");
        RunEvent event = awaitRunEvent(runId);
        assertThat(event.type()).isEqualTo(RunEventType.RUN_REJECTED);
        assertThat(event.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(event.run().error()).isEqualTo(header(dead, Topics.HEADER_DLT_REASON));
        assertThat(event.run().revision()).isEqualTo(1);
        ConsumerRecord<String, byte[]> eventRecord = recorder.poll(Topics.RUN_EVENTS, r -> runId.equals(r.key())).get(0);
        assertThat(header(eventRecord, Topics.HEADER_EVENT_TYPE)).isEqualTo("run_rejected");
        assertThat(header(eventRecord, Topics.HEADER_REVISION)).isEqualTo("1");
        assertThat(event.run().workflowId()).isEqualTo("wf_missing");
    }

    @Test
    void paused_workflow_is_dead_lettered_and_the_run_rejected() throws Exception {
        save(workflow("wf_paused", WorkflowStatus.PAUSED, 2, 2));
        String eventId = "evt-" + UUID.randomUUID();
        String runId = Ids.runIdForEvent(eventId);

        produce(null, "{\"workflow_id\":\"wf_paused\",\"event_id\":\"" + eventId + "\"}");

        ConsumerRecord<String, byte[]> dead = awaitDeadLetter(r -> TopicRecorder.value(r).contains(eventId));
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).isEqualTo("workflow 'wf_paused' is paused and accepts no triggers");
        RunEvent event = awaitRunEvent(runId);
        assertThat(event.type()).isEqualTo(RunEventType.RUN_REJECTED);
        assertThat(event.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(event.run().workflowVersion()).isEqualTo(2);
        assertThat(event.run().error()).contains("paused");
        assertThat(recorder.poll(Topics.RUN_COMMANDS, r -> runId.equals(r.key()))).isEmpty();
    }

    @Test
    void malformed_records_are_dead_lettered_with_a_reason_and_a_good_record_after_them_still_starts() throws Exception {
        save(workflow("wf_after_bad", WorkflowStatus.ACTIVE, 1, 2));
        String tag = UUID.randomUUID().toString();
        String eventId = "evt-" + tag;
        // One partition, one flush: the listener gets them in one batch (or a few), in this order.
        List<ProducerRecord<String, byte[]>> records = List.of(
                record("bad-json-" + tag, "{not json"),
                record("bad-type-" + tag, "{\"type\":\"start_run\",\"workflow_id\":\"wf_after_bad\"}"),
                record("bad-version-" + tag, "{\"schema_version\":99,\"workflow_id\":\"wf_after_bad\"}"),
                record("bad-id-" + tag, "{\"workflow_id\":\"../../etc/passwd\"}"),
                new ProducerRecord<>(Topics.TRIGGERS, 0, "no-value-" + tag, null),
                record("good-" + tag, "{\"workflow_id\":\"wf_after_bad\",\"event_id\":\"" + eventId + "\"}"));
        for (ProducerRecord<String, byte[]> r : records) {
            producer.send(r);
        }
        producer.flush();

        List<ConsumerRecord<String, byte[]>> dead = await().atMost(AT_MOST).until(
                () -> recorder.poll(DLT, r -> r.key() != null && r.key().endsWith(tag)), r -> r.size() == 5)
                .stream().sorted(Comparator.comparing(r -> Long.parseLong(header(r, Topics.HEADER_DLT_SOURCE_OFFSET)))).toList();
        assertThat(dead).extracting(r -> r.key().substring(0, r.key().length() - tag.length()))
                .containsExactly("bad-json-", "bad-type-", "bad-version-", "bad-id-", "no-value-");
        assertThat(header(dead.get(0), Topics.HEADER_DLT_REASON)).startsWith("cannot read TriggerRequested");
        assertThat(header(dead.get(1), Topics.HEADER_DLT_REASON)).contains("unknown record type 'start_run'");
        assertThat(header(dead.get(2), Topics.HEADER_DLT_REASON)).contains("schema_version 99");
        assertThat(header(dead.get(3), Topics.HEADER_DLT_REASON)).contains("workflow_id must match");
        assertThat(header(dead.get(4), Topics.HEADER_DLT_REASON)).isEqualTo("record has no value");
        assertThat(dead).allSatisfy(r -> assertThat(header(r, Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo(Topics.TRIGGERS));
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        String runId = Ids.runIdForEvent(eventId);
        await().atMost(AT_MOST).until(() -> recorder.poll(Topics.RUN_COMMANDS, r -> runId.equals(r.key())), r -> r.size() == 1);
        assertThat(recorder.poll(Topics.RUN_EVENTS, r -> r.key() != null && r.key().endsWith(tag))).isEmpty();
    }

    @Test
    void one_batch_with_bad_records_is_handled_whole_without_failing() throws Exception {
        save(workflow("wf_batch", WorkflowStatus.ACTIVE, 1, 2));
        String tag = UUID.randomUUID().toString();
        List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
        batch.add(consumed(100, "bad-" + tag, "{not json"));
        batch.add(consumed(101, "good1-" + tag, "{\"workflow_id\":\"wf_batch\",\"event_id\":\"a-" + tag + "\"}"));
        batch.add(consumed(102, "unknown-" + tag, "{\"workflow_id\":\"wf_batch_missing\",\"event_id\":\"b-" + tag + "\"}"));
        batch.add(consumed(103, "good2-" + tag, "{\"workflow_id\":\"wf_batch\",\"event_id\":\"c-" + tag + "\"}"));

        // The listener waits for all sends; returning normally means the batch's offsets may be committed.
        assertThatCode(() -> listener.onMessage(batch)).doesNotThrowAnyException();

        assertThat(recorder.poll(DLT, r -> r.key() != null && r.key().endsWith(tag)))
                .extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-" + tag, "unknown-" + tag);
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(recorder.poll(Topics.RUN_COMMANDS, r -> true))
                .extracting(ConsumerRecord::key)
                .contains(Ids.runIdForEvent("a-" + tag), Ids.runIdForEvent("c-" + tag)));
        assertThat(awaitRunEvent(Ids.runIdForEvent("b-" + tag)).type()).isEqualTo(RunEventType.RUN_REJECTED);
    }

    @Test
    void a_workflow_record_that_does_not_parse_is_skipped_and_the_triggers_after_it_still_flow() throws Exception {
        save(workflow("wf_fine", WorkflowStatus.ACTIVE, 1, 2));
        workflows.publishRaw("wf_garbled", "{not a workflow".getBytes(StandardCharsets.UTF_8));
        String tag = UUID.randomUUID().toString();
        List<ProducerRecord<String, byte[]>> records = List.of(
                record("before-" + tag, "{\"workflow_id\":\"wf_fine\",\"event_id\":\"before-" + tag + "\"}"),
                record("garbled-" + tag, "{\"workflow_id\":\"wf_garbled\",\"event_id\":\"garbled-" + tag + "\"}"),
                record("after-" + tag, "{\"workflow_id\":\"wf_fine\",\"event_id\":\"after-" + tag + "\"}"));
        for (ProducerRecord<String, byte[]> r : records) {
            producer.send(r);
        }
        producer.flush();

        ConsumerRecord<String, byte[]> dead = awaitDeadLetter(r -> ("garbled-" + tag).equals(r.key()));
        assertThat(header(dead, Topics.HEADER_DLT_REASON)).contains("wf_garbled");
        assertThat(awaitRunEvent(Ids.runIdForEvent("garbled-" + tag)).type()).isEqualTo(RunEventType.RUN_REJECTED);
        await().atMost(AT_MOST).untilAsserted(() -> assertThat(recorder.poll(Topics.RUN_COMMANDS, r -> true))
                .extracting(ConsumerRecord::key)
                .contains(Ids.runIdForEvent("before-" + tag), Ids.runIdForEvent("after-" + tag)));
    }

    /** The gateway names the version it saw: the trigger waits for the view to have it, however late it arrives there. */
    @Test
    void a_trigger_naming_a_version_the_view_lacks_waits_for_it() throws Exception {
        save(workflow("wf_versioned", WorkflowStatus.ACTIVE, 1, 2));
        String runId = UUID.randomUUID().toString();
        TriggerRequested trigger = TriggerRequested.of("api:" + runId, runId, "wf_versioned", Json.object(), "api", T).withWorkflowVersion(2);
        producer.send(new ProducerRecord<>(Topics.TRIGGERS, runId, Json.toBytes(trigger))).get();
        Thread.sleep(300); // the trigger is being looked up, the view knows only version 1
        save(workflow("wf_versioned", WorkflowStatus.ACTIVE, 2, 7));

        StartRun start = startRun(await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> runId.equals(r.key())), r -> !r.isEmpty()).get(0));
        assertThat(start.workflow().version()).isEqualTo(2);
        assertThat(start.workflow().steps().get(0).config().get("seconds").asInt()).isEqualTo(7);
    }

    @Test
    void update_of_the_workflow_is_seen_by_the_next_trigger() throws Exception {
        save(workflow("wf_update", WorkflowStatus.ACTIVE, 1, 2));
        String first = "evt-" + UUID.randomUUID();
        produce(null, "{\"workflow_id\":\"wf_update\",\"event_id\":\"" + first + "\"}");
        ConsumerRecord<String, byte[]> v1 = await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> Ids.runIdForEvent(first).equals(r.key())), r -> !r.isEmpty()).get(0);
        assertThat(startRun(v1).workflow().version()).isEqualTo(1);

        save(workflow("wf_update", WorkflowStatus.ACTIVE, 2, 5));
        String second = "evt-" + UUID.randomUUID();
        produce(null, "{\"workflow_id\":\"wf_update\",\"event_id\":\"" + second + "\"}");

        ConsumerRecord<String, byte[]> v2 = await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> Ids.runIdForEvent(second).equals(r.key())), r -> !r.isEmpty()).get(0);
        StartRun start = startRun(v2);
        assertThat(start.workflow().version()).isEqualTo(2);
        assertThat(start.workflow().steps().get(0).config().get("seconds").asInt()).isEqualTo(5);

        save(workflow("wf_update", WorkflowStatus.PAUSED, 3, 5));
        String third = "evt-" + UUID.randomUUID();
        produce(null, "{\"workflow_id\":\"wf_update\",\"event_id\":\"" + third + "\"}");
        assertThat(awaitRunEvent(Ids.runIdForEvent(third)).run().workflowVersion()).isEqualTo(3);
    }

    /** Outside producers may write zaps.triggers: a parent there would let them pose as another run's child. */
    @Test
    void a_parent_on_the_public_topic_is_dropped_so_the_run_does_not_become_that_runs_child() throws Exception {
        save(workflow("wf_forged", WorkflowStatus.ACTIVE, 1, 1));
        String victim = UUID.randomUUID().toString();
        String parent = "\"parent\":{\"run_id\":\"" + victim + "\",\"step_id\":\"call\",\"attempt\":1,\"index\":0,\"depth\":1}";
        String started = "evt-" + UUID.randomUUID();
        produce(null, "{\"workflow_id\":\"wf_forged\",\"event_id\":\"" + started + "\"," + parent + "}");
        String rejected = "evt-" + UUID.randomUUID();
        produce(null, "{\"workflow_id\":\"wf_nowhere\",\"event_id\":\"" + rejected + "\"," + parent + "}");

        StartRun start = startRun(await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> Ids.runIdForEvent(started).equals(r.key())), r -> !r.isEmpty()).get(0));
        assertThat(start.parent()).as("started as an ordinary run").isNull();
        RunEvent rejection = awaitRunEvent(Ids.runIdForEvent(rejected));
        assertThat(rejection.run().parent()).isNull();
        assertThat(recorder.poll(Topics.RUN_COMMANDS, r -> victim.equals(r.key())))
                .as("no child_run_ended reaches the named run").isEmpty();
    }

    @Test
    void a_parent_on_the_internal_call_triggers_topic_links_the_run_and_a_rejection_tells_the_parent() throws Exception {
        save(workflow("wf_called", WorkflowStatus.ACTIVE, 1, 1));
        String parentRun = UUID.randomUUID().toString();
        ParentRun parent = new ParentRun(parentRun, "call", 1, 0, 1);
        String started = "child:" + parentRun + ":call:1:0";
        producer.send(new ProducerRecord<>(Topics.CALL_TRIGGERS, Ids.runIdForEvent(started), Json.toBytes(
                TriggerRequested.child(started, Ids.runIdForEvent(started), "wf_called", Json.object(), T, parent)))).get();
        StartRun start = startRun(await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> Ids.runIdForEvent(started).equals(r.key())), r -> !r.isEmpty()).get(0));
        assertThat(start.parent()).isEqualTo(parent);

        String rejected = "child:" + parentRun + ":call:2:0";
        producer.send(new ProducerRecord<>(Topics.CALL_TRIGGERS, Ids.runIdForEvent(rejected), Json.toBytes(TriggerRequested.child(rejected,
                Ids.runIdForEvent(rejected), "wf_nowhere", Json.object(), T, new ParentRun(parentRun, "call", 2, 0, 1))))).get();
        RunCommand told = Json.read(await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_COMMANDS, r -> parentRun.equals(r.key())), r -> !r.isEmpty()).get(0).value(), RunCommand.class);
        assertThat(told).isInstanceOfSatisfying(ChildRunEnded.class, ended -> {
            assertThat(ended.attempt()).isEqualTo(2);
            assertThat(ended.error()).contains("wf_nowhere");
        });
    }

    // ---------------------------------------------------------------- helpers

    private void save(WorkflowDefinition definition) {
        workflows.saveWorkflowVersion(definition);
    }

    private RecordMetadata produce(String key, String json) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.TRIGGERS, key, json.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static ProducerRecord<String, byte[]> record(String key, String json) {
        return new ProducerRecord<>(Topics.TRIGGERS, 0, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private static ConsumerRecord<String, byte[]> consumed(long offset, String key, String json) {
        return new ConsumerRecord<>(Topics.TRIGGERS, 1, offset, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private ConsumerRecord<String, byte[]> awaitDeadLetter(java.util.function.Predicate<ConsumerRecord<String, byte[]>> filter) {
        return await().atMost(AT_MOST).until(() -> recorder.poll(DLT, filter), r -> !r.isEmpty()).get(0);
    }

    private RunEvent awaitRunEvent(String runId) {
        ConsumerRecord<String, byte[]> record = await().atMost(AT_MOST).until(
                () -> recorder.poll(Topics.RUN_EVENTS, r -> runId.equals(r.key())), r -> !r.isEmpty()).get(0);
        return Json.read(record.value(), RunEvent.class);
    }

    private static String json(ConsumerRecord<String, byte[]> record) {
        return TopicRecorder.value(record);
    }

    private static StartRun startRun(ConsumerRecord<String, byte[]> record) {
        RunCommand command = Json.read(record.value(), RunCommand.class);
        assertThat(command).isInstanceOf(StartRun.class);
        return (StartRun) command;
    }

    private static WorkflowDefinition workflow(String id, WorkflowStatus status, int version, int seconds) {
        return new WorkflowDefinition(id, "Workflow " + id, null, "wait", status, List.of(
                new StepDefinition("wait", "delay", Json.object().put("seconds", seconds), "notify"),
                new StepDefinition("notify", "webhook", Json.object().put("url", "http://127.0.0.1:8001/notify"), null)),
                version, T, T);
    }
}
