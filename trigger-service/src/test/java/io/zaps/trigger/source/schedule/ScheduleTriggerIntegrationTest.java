package io.zaps.trigger.source.schedule;

import io.zaps.trigger.WorkflowTopicWriter;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.trigger.ScheduleTrigger;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.trigger.source.RecordLog;
import io.zaps.trigger.source.TriggerInstance;
import io.zaps.trigger.source.WorkflowOwnership;
import io.zaps.trigger.source.cursor.CursorTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schedules as they run: trigger-service instances on one embedded KRaft broker, each on a data folder of its own (the
 * cursors are on {@code zaps.trigger-cursors}), a workflow that fires every second, its StartRun commands read back
 * from {@code zaps.run-commands}.
 */
class ScheduleTriggerIntegrationTest {
    private static final Logger log = LoggerFactory.getLogger(ScheduleTriggerIntegrationTest.class);
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final Instant CREATED = Instant.parse("2026-01-02T03:04:05Z");
    private static final Map<String, String> PROPERTIES = Map.of(
            "zaps.kafka.partitions", "4",
            "zaps.trigger.listener-concurrency", "2",
            "zaps.trigger.publish-timeout", "10s");
    private static EmbeddedKafkaKraftBroker broker;

    @TempDir
    Path dataDir;

    private final List<TriggerInstance> instances = new ArrayList<>();
    private RecordLog commands;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    private WorkflowTopicWriter workflows;

    private WorkflowTopicWriter workflows() {
        if (workflows == null) {
            workflows = new WorkflowTopicWriter(broker.getBrokersAsString());
        }
        return workflows;
    }

    @AfterEach
    void tearDown() {
        if (workflows != null) {
            workflows.close();
            workflows = null;
        }
        instances.forEach(TriggerInstance::close);
        if (commands != null) {
            commands.close();
        }
    }

    @Test
    void every_tick_starts_exactly_one_run_on_time_across_two_instances_and_a_hand_over() throws Exception {
        WorkflowTopicWriter store = workflows();
        store.saveWorkflowVersion(workflow("every_second", WorkflowStatus.ACTIVE, 1, "* * * * * *"));
        TriggerInstance a = start("a");
        TriggerInstance b = start("b", Files.createDirectories(dataDir.resolve("b")));
        commands = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS);
        await().atMost(AT_MOST).until(() -> owner("every_second") != null);

        List<StartRun> first = awaitStarts("every_second", 1);
        Instant steadyFrom = tickOf(first.get(0)).plusSeconds(2);
        Thread.sleep(7000);
        TriggerInstance owner = owner("every_second");
        TriggerInstance survivor = owner == a ? b : a;
        Instant stoppedAt = Instant.now();
        log.info("stopping instance {} (the owner of every_second) at {}", owner.name(), stoppedAt);
        owner.close();
        await().atMost(AT_MOST).until(() -> survivor.bean(WorkflowOwnership.class).owns("every_second"));
        Thread.sleep(6000);
        Instant end = Instant.now();
        // Read on until the tick of a second ago has arrived: everything before it has been published.
        List<StartRun> starts = await().atMost(AT_MOST).until(() -> starts("every_second"),
                s -> !s.isEmpty() && !tickOf(s.get(s.size() - 1)).isBefore(end.minusSeconds(1)));
        survivor.close();

        Map<Instant, List<StartRun>> byTick = starts.stream().collect(Collectors.groupingBy(
                ScheduleTriggerIntegrationTest::tickOf, TreeMap::new, Collectors.toList()));
        assertThat(byTick.values()).as("one StartRun per tick").allSatisfy(s -> assertThat(s).hasSize(1));
        List<Instant> ticks = new ArrayList<>(byTick.keySet());
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("no gap after " + ticks.get(i - 1)).isEqualTo(ticks.get(i - 1).plusSeconds(1));
        }
        assertThat(ticks.get(ticks.size() - 1)).as("still firing after the hand-over").isAfter(stoppedAt.plusSeconds(4));
        assertThat(ticks.get(ticks.size() - 1)).isBefore(end.plusSeconds(1));
        for (StartRun start : starts) {
            assertThat(start.runId()).isEqualTo(Ids.runIdForEvent(ScheduleTrigger.eventId("every_second", tickOf(start))));
            assertThat(start.workflow().version()).isEqualTo(1);
        }

        Map<Instant, Long> lateness = new TreeMap<>();
        for (StartRun start : starts) {
            lateness.put(tickOf(start), Duration.between(tickOf(start), Instant.parse(start.context().get("fired_at").asString())).toMillis());
        }
        Map<Instant, Long> startLateness = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> record : commands.poll(Topics.RUN_COMMANDS, r -> true)) {
            if (command(record) instanceof StartRun start && starts.contains(start)) {
                startLateness.put(tickOf(start), record.timestamp() - tickOf(start).toEpochMilli());
            }
        }
        log.info("fired {} ticks from {} to {}; lateness in ms (fired_at - tick): {}; StartRun on {} (record time - tick): {}",
                ticks.size(), ticks.get(0), ticks.get(ticks.size() - 1), lateness.values(), Topics.RUN_COMMANDS, startLateness.values());
        Map<Instant, Long> steady = new TreeMap<>(lateness);
        steady.keySet().removeIf(t -> t.isBefore(steadyFrom) || !t.isBefore(stoppedAt.minusSeconds(1)));
        long max = steady.values().stream().mapToLong(Long::longValue).max().orElseThrow();
        double mean = steady.values().stream().mapToLong(Long::longValue).average().orElseThrow();
        log.info("steady state before the hand-over: {} ticks, mean lateness {} ms, max {} ms", steady.size(), Math.round(mean), max);
        assertThat(steady).hasSizeGreaterThanOrEqualTo(4);
        assertThat(max).as("lateness in steady state").isLessThan(2000);
        assertThat(lateness.values()).as("lateness around the hand-over").allMatch(ms -> ms < 30_000);
        assertThat(lateness.values()).allMatch(ms -> ms >= 0);
    }

    @Test
    void changes_pause_and_delete_are_picked_up_within_seconds() throws Exception {
        WorkflowTopicWriter store = workflows();
        store.saveWorkflowVersion(workflow("changing", WorkflowStatus.ACTIVE, 1, "* * * * * *"));
        TriggerInstance a = start("solo");
        commands = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS);
        awaitStarts("changing", 2);
        CursorTopic cursors = a.bean(CursorTopic.class);
        await().atMost(AT_MOST).until(() -> cursors.known("changing").map(c -> c.schedule().active()).orElse(false));

        // Paused: no tick fires while paused, the cursor says so.
        store.saveWorkflowVersion(workflow("changing", WorkflowStatus.PAUSED, 2, "* * * * * *"));
        await().atMost(AT_MOST).until(() -> cursors.known("changing").map(c -> !c.schedule().active()).orElse(false));
        Instant pausedSeen = Instant.now();
        Thread.sleep(2500);
        assertThat(starts("changing")).allSatisfy(s -> assertThat(tickOf(s)).isBefore(pausedSeen));

        // Resumed, every two seconds: ticks start again from now (none of the pause is caught up), even seconds only.
        Instant resumed = Instant.now();
        store.saveWorkflowVersion(workflow("changing", WorkflowStatus.ACTIVE, 3, "*/2 * * * * *"));
        List<StartRun> after = await().atMost(AT_MOST).until(() -> starts("changing").stream()
                .filter(s -> s.workflow().version() == 3).toList(), s -> s.size() >= 2);
        assertThat(after).allSatisfy(s -> {
            assertThat(tickOf(s)).isAfter(resumed);
            assertThat(tickOf(s).getEpochSecond() % 2).isZero();
        });
        assertThat(starts("changing")).noneSatisfy(s -> assertThat(tickOf(s)).isBetween(pausedSeen, resumed));

        // Deleted: stops firing and the cursor goes.
        store.deleteWorkflow("changing");
        await().atMost(AT_MOST).until(() -> cursors.known("changing").isEmpty());
        Instant deletedSeen = Instant.now();
        Thread.sleep(2500);
        assertThat(starts("changing")).allSatisfy(s -> assertThat(tickOf(s)).isBefore(deletedSeen));
        assertThat(a.isRunning()).isTrue();
    }

    @Test
    void an_instance_on_an_empty_data_folder_takes_over_from_the_cursor_on_kafka() throws Exception {
        WorkflowTopicWriter store = workflows();
        store.saveWorkflowVersion(workflow("restarted", WorkflowStatus.ACTIVE, 1, "* * * * * *"));
        Path folderA = Files.createDirectories(dataDir.resolve("a"));
        TriggerInstance first = start("first", folderA);
        commands = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS);
        awaitStarts("restarted", 2);
        first.close();
        Thread.sleep(3000);

        Path folderB = Files.createDirectories(dataDir.resolve("b"));
        start("second", folderB);
        Instant restarted = Instant.now();
        List<StartRun> starts = await().atMost(AT_MOST).until(() -> starts("restarted"),
                s -> s.stream().anyMatch(start -> tickOf(start).isAfter(restarted.plusSeconds(2))));

        List<Instant> ticks = starts.stream().map(ScheduleTriggerIntegrationTest::tickOf).sorted().toList();
        assertThat(ticks).as("no tick fired twice").doesNotHaveDuplicates();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("no gap after " + ticks.get(i - 1)).isEqualTo(ticks.get(i - 1).plusSeconds(1));
        }
        assertThat(ticks).as("ticks of the downtime caught up by the new instance").anyMatch(t -> t.isBefore(restarted));
        assertThat(folderA.resolve("triggers")).as("no cursor files any more").doesNotExist();
        assertThat(folderB.resolve("triggers")).doesNotExist();
    }

    @Test
    void a_cursor_file_of_a_data_folder_from_before_the_topic_is_published_and_continued() throws Exception {
        WorkflowTopicWriter store = workflows();
        store.saveWorkflowVersion(workflow("upgraded", WorkflowStatus.ACTIVE, 1, "* * * * * *"));
        Instant lastTick = Instant.now().minusSeconds(4).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Path legacy = Files.createDirectories(dataDir.resolve("triggers/schedules")).resolve("upgraded.json");
        Files.write(legacy, Json.toBytes(new ScheduleCursor("upgraded", "* * * * * *", java.time.ZoneOffset.UTC.getId(),
                CREATED, lastTick, true, lastTick)));
        commands = new RecordLog(broker.getBrokersAsString(), Topics.RUN_COMMANDS);

        TriggerInstance instance = start("upgrading");
        List<StartRun> starts = await().atMost(AT_MOST).until(() -> starts("upgraded"), s -> s.size() >= 6);

        List<Instant> ticks = starts.stream().map(ScheduleTriggerIntegrationTest::tickOf).sorted().toList();
        assertThat(ticks.get(0)).as("continues right after the file's tick").isEqualTo(lastTick.plusSeconds(1));
        assertThat(ticks).doesNotHaveDuplicates();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("no gap after " + ticks.get(i - 1)).isEqualTo(ticks.get(i - 1).plusSeconds(1));
        }
        assertThat(instance.bean(CursorTopic.class).known("upgraded"))
                .hasValueSatisfying(c -> assertThat(c.schedule().lastTick()).isAfter(lastTick));
    }

    // ---------------------------------------------------------------- helpers

    private TriggerInstance start(String name) {
        return start(name, dataDir);
    }

    private TriggerInstance start(String name, Path folder) {
        TriggerInstance instance = TriggerInstance.start(name, broker.getBrokersAsString(), folder, PROPERTIES);
        instances.add(instance);
        return instance;
    }

    private TriggerInstance owner(String workflowId) {
        return instances.stream().filter(TriggerInstance::isRunning)
                .filter(i -> i.bean(WorkflowOwnership.class).owns(workflowId)).findFirst().orElse(null);
    }

    private List<StartRun> awaitStarts(String workflowId, int atLeast) {
        return await().atMost(AT_MOST).until(() -> starts(workflowId), s -> s.size() >= atLeast);
    }

    private List<StartRun> starts(String workflowId) {
        String prefix = "schedule:" + workflowId + ":";
        return commands.poll(Topics.RUN_COMMANDS, r -> true).stream()
                .map(ScheduleTriggerIntegrationTest::command)
                .filter(c -> c instanceof StartRun s && s.eventId() != null && s.eventId().startsWith(prefix))
                .map(StartRun.class::cast)
                .sorted(Comparator.comparing(ScheduleTriggerIntegrationTest::tickOf))
                .toList();
    }

    private static RunCommand command(ConsumerRecord<String, byte[]> record) {
        return Json.read(record.value(), RunCommand.class);
    }

    private static Instant tickOf(StartRun start) {
        return Instant.parse(start.context().get("scheduled_at").asString());
    }

    private static WorkflowDefinition workflow(String id, WorkflowStatus status, int version, String cron) {
        ObjectNode trigger = Json.object().put("type", "schedule").put("cron", cron).put("missed", "fire_once");
        return new WorkflowDefinition(id, "Workflow " + id, null, "wait", status,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)),
                version, CREATED, CREATED, null, trigger, null);
    }

}
