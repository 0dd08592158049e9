package io.zaps.kafka.view;

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
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A compacted topic kept in memory, one value per key: a consumer of its own (assigned every partition, no consumer
 * group, nothing committed) reads the topic from the beginning and then follows it. Per key it keeps what
 * {@link #newer} chooses between the value kept and each record read (a versioned topic keeps the higher version, so a
 * repeated or late record of an older one changes nothing); a tombstone forgets the key.
 *
 * <p>{@link #start()} returns once everything on the topic when it started has been read (bounded by the load timeout):
 * a service that starts its consumers in a later phase never sees a half-loaded view. {@link #awaitCaughtUp} gives a
 * reader its own writes: it asks the broker for the end of every partition now and waits until the view has read that
 * far, so a record the writer published (and Kafka acknowledged) before the call is in the view after it.
 *
 * <p>The end offsets are asked for by a second consumer of the view's, which never fetches: a broker answers the
 * requests of one connection in order, so on the reading consumer's connection the question would wait behind its
 * pending fetch, which an idle topic holds on the broker for {@code fetch.max.wait.ms} (500 ms). Asked there, every
 * caught-up lookup of a quiet view took half a second (a secret in a step: 2 runs/s at one request at a time;
 * docs/benchmarks.md, session 13); asked on its own connection, one round trip.
 *
 * <p>A record that does not parse, or names another key than its own, is logged and skipped; every instance reads the same
 * topic, so dead-lettering it here would only repeat it once per instance. Thread-safe. Used for
 * {@link io.zaps.contract.Topics#WORKFLOWS}, {@link io.zaps.contract.Topics#SECRETS} and (the trigger service's
 * {@code CursorView}) {@link io.zaps.contract.Topics#TRIGGER_CURSORS}.
 *
 * @param <V> what the view keeps per key
 */
public abstract class CompactedTopicView<V> implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(CompactedTopicView.class);
    /** Before the listener containers and the trigger sources, which read the views. */
    public static final int PHASE = Integer.MAX_VALUE - 1000;
    private static final Duration POLL = Duration.ofMillis(500);

    private final String topic;
    private final Consumers consumers;
    private final Duration loadTimeout;
    private final Map<String, V> latest = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> syncRequests = new ConcurrentLinkedQueue<>();
    private volatile Consumer<String, byte[]> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    /**
     * @param topic       the compacted topic
     * @param consumers   makes the view's two consumers (String keys, byte[] values; the service's client settings)
     * @param loadTimeout how long {@link #start()} waits for the topic to be read to its end; zero: it does not wait
     */
    protected CompactedTopicView(String topic, Consumers consumers, Duration loadTimeout) {
        this.topic = topic;
        this.consumers = consumers;
        this.loadTimeout = loadTimeout;
    }

    /** Makes a view's consumers: the one that reads the topic, and the one that only asks for its end offsets. */
    @FunctionalInterface
    public interface Consumers {
        /**
         * @param clientIdSuffix added to the client id ({@code ""} for the reader, {@value #ENDS} for the other), so that
         *                       the two never share one (their metrics and JMX names would clash)
         */
        Consumer<String, byte[]> make(String clientIdSuffix);

        /** The suffix of the end-offsets consumer's client id. */
        String ENDS = "-ends";
    }

    /**
     * Makes consumers with the client settings of {@code factory} (bootstrap servers, security), their own client id
     * ({@code clientId} plus the suffix asked for), no consumer group, reading committed records only.
     */
    public static Consumers consumers(ConsumerFactory<?, ?> factory, String clientId) {
        Map<String, Object> config = new HashMap<>(factory.getConfigurationProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        config.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return suffix -> {
            Map<String, Object> own = new HashMap<>(config);
            own.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + suffix);
            return new KafkaConsumer<>(own, new StringDeserializer(), new ByteArrayDeserializer());
        };
    }

    /**
     * The value of a record (not a tombstone), checked.
     *
     * @throws RuntimeException when it is not one (its message is logged: it must not quote the record)
     */
    protected abstract V read(byte[] value);

    /** The key {@code value} belongs under; a record keyed otherwise is skipped. */
    protected abstract String keyOf(V value);

    /** Which of the value kept for a key and one just read to keep. */
    protected abstract V newer(V kept, V incoming);

    /** What the view keeps for {@code key}; null when nothing (never written, or a tombstone). */
    protected final V latest(String key) {
        return latest.get(key);
    }

    /** The keys whose kept value passes {@code test} (a moment's state), in key order. */
    protected final SortedSet<String> keysWhere(Predicate<? super V> test) {
        SortedSet<String> keys = new TreeSet<>();
        latest.forEach((key, value) -> {
            if (test.test(value)) {
                keys.add(key);
            }
        });
        return keys;
    }

    /** The topic this view reads. */
    public final String topic() {
        return topic;
    }

    /**
     * Waits until the view has read everything on the topic now (see the class comment).
     *
     * @return whether it caught up within {@code timeout}
     */
    public final boolean awaitCaughtUp(Duration timeout) {
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

    /** Applies one record of the topic (the poll loop; also for tests): {@link #newer} decides, a tombstone forgets. */
    protected final void apply(String key, byte[] value) {
        if (key == null) {
            return;
        }
        if (value == null) {
            latest.remove(key); // a tombstone (an operator's): forget the key altogether
            return;
        }
        V parsed;
        try {
            parsed = read(value);
        } catch (RuntimeException e) {
            log.warn("skipping a record keyed '{}' on {} that does not parse: {}", key, topic, e.getMessage());
            return;
        }
        if (!key.equals(keyOf(parsed))) {
            log.warn("skipping a record on {} keyed '{}' for '{}'", topic, key, keyOf(parsed));
            return;
        }
        latest.merge(key, parsed, this::newer);
    }

    @Override
    public final void start() {
        if (running) {
            return;
        }
        running = true;
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        syncRequests.add(loaded);
        Thread poller = new Thread(this::pollLoop, "zaps-view-" + topic);
        poller.setDaemon(true);
        thread = poller;
        poller.start();
        if (loadTimeout.isZero()) {
            return; // a reader that can work before the view is loaded (it asks awaitCaughtUp itself)
        }
        try {
            loaded.get(loadTimeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("view of {} loaded: {} keys", topic, latest.size());
        } catch (TimeoutException | ExecutionException e) {
            stop();
            throw new IllegalStateException("could not read " + topic + " within " + loadTimeout.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while reading " + topic, e);
        }
    }

    private void pollLoop() {
        List<Barrier> barriers = new ArrayList<>();
        List<CompletableFuture<Void>> waiting = new ArrayList<>();
        while (running) {
            try (Consumer<String, byte[]> c = consumers.make(""); Consumer<String, byte[]> ends = consumers.make(Consumers.ENDS)) {
                consumer = c;
                List<TopicPartition> partitions = partitions(c);
                if (partitions == null) {
                    continue;
                }
                c.assign(partitions);
                c.seekToBeginning(partitions);
                // never polled, so never fetches; assigned so that a read_committed end-offsets answer (the last stable
                // offsets) has partitions to be noted for (else it warns once per partition and lookup)
                ends.assign(partitions);
                barriers.forEach(b -> waiting.addAll(b.waiters)); // positions start again from the beginning
                barriers.clear();
                while (running) {
                    try {
                        for (CompletableFuture<Void> request; (request = syncRequests.poll()) != null; ) {
                            waiting.add(request);
                        }
                        if (!waiting.isEmpty()) {
                            // on the connection that never fetches (see the class comment)
                            barriers.add(new Barrier(ends.endOffsets(partitions, Duration.ofSeconds(10)), List.copyOf(waiting)));
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
                    log.warn("reading {} failed, reconnecting in 1 s: {}", topic, e.toString());
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
        List<PartitionInfo> infos = c.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            log.info("{} does not exist yet; looking again in 1 s", topic);
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
    public final void stop() {
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
    public final boolean isRunning() {
        return running;
    }

    @Override
    public final int getPhase() {
        return PHASE;
    }
}
