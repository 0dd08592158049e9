package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.gateway.projection.OtherGatewaysRuns;
import io.zaps.gateway.run.RunAdmission;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every gateway's own reader of {@link Topics#RUN_EVENTS}: no consumer group, all partitions assigned,
 * {@code read_committed}, nothing committed. It exists for several gateways: the projector of this gateway reads only
 * the partitions the group gives it, and the other gateways' runs matter here too.
 * <ul>
 *   <li>For the webhooks waiting here: a record is parsed only when its key is a run some request waits for
 *       ({@link RunCompletionWaiter#waitsFor}) and its {@link Topics#HEADER_EVENT_TYPE} (when present) names a final
 *       event, so this costs a key lookup per record.</li>
 *   <li>The same final events end the runs this gateway's {@link RunAdmission} counts, by their header alone.</li>
 *   <li>For the run catalog (listings, counts, workflow statistics, the run stream): the records of the partitions
 *       this gateway's projector does not hold go, a poll at a time, to {@link OtherGatewaysRuns}, which parses the
 *       newest event of each run; a record of a partition projected here costs a set lookup more. When the projector
 *       loses a partition, the tail reads it again from where the projector stopped
 *       ({@link OtherGatewaysRuns#takeHandovers}).</li>
 * </ul>
 * It starts {@link #CATCH_UP} before its start-up (with {@link OtherGatewaysRuns}; else at the end): the catalog's
 * start-up scan read the run files a moment before, and another gateway may have written some of those runs' later
 * events to their files only after the scan had read them.
 */
class RunEndTail implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RunEndTail.class);
    /** The events that end a run; the snapshot's status has the last word. */
    private static final Set<String> FINAL_EVENTS = Set.of(RunEventType.RUN_COMPLETED.wireName(), RunEventType.RUN_FAILED.wireName(),
            RunEventType.RUN_CANCELLED.wireName(), RunEventType.RUN_REJECTED.wireName());
    private static final Duration POLL = Duration.ofSeconds(1);
    /** How often the partition count is looked at again (partitions may be added). */
    private static final Duration REASSIGN_EVERY = Duration.ofMinutes(1);
    /** How far back it starts reading, for the catalog: well past the projectors' usual lag behind the events. */
    static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final RunCompletionWaiter waiter;
    private final RunAdmission admission;
    /** Null: only the waiter and admission are served (from the end). */
    private final OtherGatewaysRuns others;
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean running;
    private final CountDownLatch assignedOnce = new CountDownLatch(1);
    private Thread thread;

    RunEndTail(Supplier<Consumer<String, byte[]>> consumers, RunCompletionWaiter waiter, RunAdmission admission) {
        this(consumers, waiter, admission, null);
    }

    RunEndTail(Supplier<Consumer<String, byte[]>> consumers, RunCompletionWaiter waiter, RunAdmission admission,
               OtherGatewaysRuns others) {
        this.consumers = consumers;
        this.waiter = waiter;
        this.admission = admission;
        this.others = others;
    }

    /** What a consumer of the tail is given on top of the gateway's consumer settings. */
    static Properties overrides() {
        Properties overrides = new Properties();
        overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        return overrides;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "zaps-run-end-tail");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void stop() {
        running = false;
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        while (running) {
            try (Consumer<String, byte[]> tail = consumers.get()) {
                consumer = tail;
                follow(tail);
            } catch (WakeupException e) {
                // stopping
            } catch (RuntimeException e) {
                log.warn("the run-event tail stopped ({}); starting again in a second", e.toString());
                sleep(Duration.ofSeconds(1));
            } finally {
                consumer = null;
            }
        }
    }

    private void follow(Consumer<String, byte[]> tail) {
        int assigned = assign(tail);
        long reassignAt = System.nanoTime() + REASSIGN_EVERY.toNanos();
        while (running) {
            if (assigned == 0 || System.nanoTime() - reassignAt >= 0) {
                if (assigned == 0) {
                    sleep(Duration.ofSeconds(1));
                }
                if (partitions(tail).size() != assigned) {
                    assigned = assign(tail);
                }
                reassignAt = System.nanoTime() + REASSIGN_EVERY.toNanos();
                continue;
            }
            if (others != null) {
                handOver(tail);
            }
            ConsumerRecords<String, byte[]> records = tail.poll(POLL);
            List<ConsumerRecord<String, byte[]>> elsewhere = null;
            for (ConsumerRecord<String, byte[]> record : records) {
                offer(record);
                if (others != null && !others.projectedHere(record.partition())) {
                    if (elsewhere == null) {
                        elsewhere = new ArrayList<>();
                    }
                    elsewhere.add(record);
                }
            }
            if (elsewhere != null) {
                others.offer(elsewhere);
            }
        }
    }

    /** Reads again what the projector of this gateway left unprojected in a partition it lost. */
    private void handOver(Consumer<String, byte[]> tail) {
        for (Map.Entry<Integer, Long> handover : others.takeHandovers().entrySet()) {
            TopicPartition partition = new TopicPartition(Topics.RUN_EVENTS, handover.getKey());
            if (tail.assignment().contains(partition) && tail.position(partition) > handover.getValue()) {
                tail.seek(partition, handover.getValue());
            }
        }
    }

    /**
     * All partitions, from {@link #CATCH_UP} ago for the catalog, else from their end (the waiter's file covers runs
     * that ended before).
     */
    private int assign(Consumer<String, byte[]> tail) {
        List<TopicPartition> partitions = partitions(tail);
        tail.assign(partitions);
        tail.seekToEnd(partitions);
        if (others != null && !partitions.isEmpty()) {
            long since = System.currentTimeMillis() - CATCH_UP.toMillis();
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(partition -> times.put(partition, since));
            tail.offsetsForTimes(times).forEach((partition, offset) -> {
                if (offset != null) {
                    tail.seek(partition, offset.offset());
                }
            });
        }
        partitions.forEach(tail::position); // resolve the end now, not at the first poll
        if (!partitions.isEmpty()) {
            assignedOnce.countDown();
        }
        return partitions.size();
    }

    /** Waits until the tail follows the topic's partitions; whatever is produced after that reaches it. */
    boolean awaitFollowing(Duration timeout) throws InterruptedException {
        return assignedOnce.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static List<TopicPartition> partitions(Consumer<String, byte[]> tail) {
        List<PartitionInfo> infos = tail.partitionsFor(Topics.RUN_EVENTS);
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }

    void offer(ConsumerRecord<String, byte[]> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        boolean waited = waiter.waitsFor(record.key());
        boolean counted = admission.counts(record.key());
        if (!waited && !counted) {
            return;
        }
        Header type = record.headers().lastHeader(Topics.HEADER_EVENT_TYPE);
        boolean typed = type != null && type.value() != null;
        if (typed && !FINAL_EVENTS.contains(new String(type.value(), StandardCharsets.UTF_8))) {
            return;
        }
        if (counted && typed) {
            // the header is enough: admission needs only that the run ended (an untyped event is left to the projector)
            admission.finished(record.key());
        }
        if (!waited) {
            return;
        }
        try {
            RunSnapshot run = Json.read(record.value(), RunEvent.class).run();
            if (run != null && record.key().equals(run.runId())) {
                waiter.runEnded(run);
            }
        } catch (RuntimeException e) {
            // malformed: the projector dead-letters it; a waiter still has its bound
            log.debug("run-event tail skips an unreadable record of {}: {}", record.key(), e.getMessage());
        }
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }
}
