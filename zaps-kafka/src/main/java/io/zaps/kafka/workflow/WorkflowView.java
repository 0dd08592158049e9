package io.zaps.kafka.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The current workflow definitions, kept in memory from {@link Topics#WORKFLOWS}: a consumer of its own (assigned every
 * partition, no consumer group, nothing committed) reads the compacted topic from the beginning and then follows it.
 * Per workflow it keeps the record with the highest version (at the same version the delete), so a repeated or late
 * record of an older version changes nothing, and a {@code workflow_deleted} record hides the workflow until a higher
 * version is saved.
 *
 * <p>{@link #start()} returns once everything on the topic when it started has been read (bounded by the load timeout):
 * a service that starts its consumers in a later phase never sees a half-loaded view. {@link #awaitCaughtUp} gives a
 * reader its own writes: it asks the broker for the end of every partition now and waits until the view has read that
 * far, so a definition the gateway published (and Kafka acknowledged) before the call is in the view after it.
 *
 * <p>A record that does not parse is logged and skipped; every instance reads the same topic, so dead-lettering it here
 * would only repeat it once per instance. Thread-safe.
 */
public final class WorkflowView implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(WorkflowView.class);
    /** Before the listener containers and the trigger sources, which read the view. */
    public static final int PHASE = Integer.MAX_VALUE - 1000;
    private static final Duration POLL = Duration.ofMillis(500);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Duration loadTimeout;
    private final Map<String, WorkflowRecord> latest = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
    private volatile Consumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    /**
     * @param consumers   makes the view's consumer (String keys, byte[] values; the service's client settings)
     * @param loadTimeout how long {@link #start()} waits for the topic to be read to its end; zero: it does not wait
     */
    public WorkflowView(Supplier<Consumer<String, byte[]>> consumers, Duration loadTimeout) {
        this.consumers = consumers;
        this.loadTimeout = loadTimeout;
    }

    /**
     * A view whose consumer has the client settings of {@code factory} (bootstrap servers, security), its own client id,
     * no consumer group, and reads committed records only.
     */
    public static WorkflowView of(ConsumerFactory<?, ?> factory, String clientId, Duration loadTimeout) {
        Map<String, Object> config = new HashMap<>(factory.getConfigurationProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return new WorkflowView(() -> new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()), loadTimeout);
    }

    /** The current definition of {@code workflowId}; empty when it was never saved or was deleted. */
    public Optional<WorkflowDefinition> find(String workflowId) {
        WorkflowRecord record = latest.get(workflowId);
        return record == null || record.isDeleted() ? Optional.empty() : Optional.ofNullable(record.workflow());
    }

    /**
     * The highest version the view has seen of {@code workflowId}, saved or deleted; 0 when none. What the gateway
     * compares with its files to publish what the topic lacks.
     */
    public int version(String workflowId) {
        WorkflowRecord record = latest.get(workflowId);
        return record == null ? 0 : record.version();
    }

    /** Whether the latest record of {@code workflowId} says it was deleted. */
    public boolean deleted(String workflowId) {
        WorkflowRecord record = latest.get(workflowId);
        return record != null && record.isDeleted();
    }

    /** The ids of every current (not deleted) workflow, in id order. */
    public Set<String> ids() {
        Set<String> ids = new TreeSet<>();
        latest.forEach((id, record) -> {
            if (!record.isDeleted()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /**
     * Waits until the view has read everything on the topic now (see the class comment).
     *
     * @return whether it caught up within {@code timeout}
     */
    public boolean awaitCaughtUp(Duration timeout) {
        if (!running) {
            return false;
        }
        CompletableFuture<Void> request = new CompletableFuture<>();
        syncRequests.add(request);
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            request.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    /** Applies one record of the topic (the poll loop; also for tests): the higher version wins. */
    void apply(String key, byte[] value) {
        if (key == null) {
            return;
        }
        if (value == null) {
            latest.remove(key); // a tombstone (an operator's): forget the workflow altogether
            return;
        }
        WorkflowRecord record;
        try {
            record = Json.read(value, WorkflowRecord.class).validated();
        } catch (RuntimeException e) {
            log.warn("skipping a record for workflow '{}' on {} that is not a workflow record: {}", key, Topics.WORKFLOWS, e.getMessage());
            return;
        }
        if (!key.equals(record.workflowId())) {
            log.warn("skipping a record on {} keyed '{}' for workflow '{}'", Topics.WORKFLOWS, key, record.workflowId());
            return;
        }
        latest.merge(key, record, WorkflowView::newer);
    }

    /**
     * The record to keep: the higher version; at the same version a delete, which removes that version after it was
     * saved (a save of the version a delete removed is a late repeat).
     */
    static WorkflowRecord newer(WorkflowRecord old, WorkflowRecord incoming) {
        if (incoming.version() > old.version()) {
            return incoming;
        }
        return incoming.version().equals(old.version()) && incoming.isDeleted() && !old.isDeleted() ? incoming : old;
    }

    @Override
    public void start() {
        if (running) {
            return;
        }
        running = true;
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        syncRequests.add(loaded);
        Thread poller = new Thread(this::pollLoop, "zaps-workflow-view");
        poller.setDaemon(true);
        thread = poller;
        poller.start();
        if (loadTimeout.isZero()) {
            return; // a reader that can work before the view is loaded (it asks awaitCaughtUp itself)
        }
        try {
            loaded.get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("workflow view loaded from {}: {} workflows", Topics.WORKFLOWS, ids().size());
        } catch (TimeoutException | ExecutionException e) {
            stop();
            throw new IllegalStateException("could not read " + Topics.WORKFLOWS + " within " + loadTimeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while reading " + Topics.WORKFLOWS, e);
        }
    }

    private void pollLoop() {
        List<Barrier> barriers = new ArrayList<>();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        while (running) {
            try (Consumer<String, byte[]> c = consumers.get()) {
                consumer = c;
                List<TopicPartition> partitions = partitions(c);
                if (partitions == null) {
                    continue;
                }
                c.assign(partitions);
                c.seekToBeginning(partitions);
                barriers.forEach(b -> waiting.addAll(b.waiters)); // positions start again from the beginning
                barriers.clear();
                while (running) {
                    try {
                        for (CompletableFuture<Void> request; (request = syncRequests.poll()) != null; ) {
                            waiting.add(request);
                        }
                        if (!waiting.isEmpty()) {
                            barriers.add(new Barrier(c.endOffsets(partitions, Duration.ofSeconds(10)), List.copyOf(waiting)));
                            waiting.clear();
                        }
                        release(c, barriers);
                        for (ConsumerRecord<String, byte[]> record : c.poll(barriers.isEmpty() ? POLL : Duration.ofMillis(20))) {
                            apply(record.key(), record.value());
                        }
                        release(c, barriers);
                    } catch (WakeupException e) {
                        // a reader asked to catch up (or stop): the loop fetches the end offsets first
                    }
                }
            } catch (WakeupException e) {
                // woken outside the inner loop: go round
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("reading {} failed, reconnecting in 1 s: {}", Topics.WORKFLOWS, e.toString());
                    barriers.forEach(b -> waiting.addAll(b.waiters));
                    barriers.clear();
                    sleep(1000);
                }
            } finally {
                consumer = null;
            }
        }
        barriers.forEach(b -> waiting.addAll(b.waiters));
        waiting.addAll(syncRequests);
        waiting.forEach(w -> w.completeExceptionally(new IllegalStateException("stopped")));
    }

    /** The topic's partitions, or null (after a pause) while it does not exist yet. */
    private List<TopicPartition> partitions(Consumer<String, byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(Topics.WORKFLOWS, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            log.info("{} does not exist yet; looking again in 1 s", Topics.WORKFLOWS);
            sleep(1000);
            return null;
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : infos) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        return partitions;
    }

    private static void release(Consumer<String, byte[]> c, List<Barrier> barriers) {
        barriers.removeIf(barrier -> {
            for (Map.Entry<TopicPartition, Long> end : barrier.end.entrySet()) {
                if (c.position(end.getKey()) < end.getValue()) {
                    return false;
                }
            }
            barrier.waiters.forEach(w -> w.complete(null));
            return true;
        });
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Barrier(Map<TopicPartition, Long> end, Collection<CompletableFuture<Void>> waiters) {
        Barrier {
            end = new HashMap<>(end);
        }
    }

    @Override
    public void stop() {
        running = false;
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        Thread poller = thread;
        if (poller != null && poller != Thread.currentThread()) {
            try {
                poller.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
