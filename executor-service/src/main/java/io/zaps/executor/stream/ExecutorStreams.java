package io.zaps.executor.stream;

import io.zaps.contract.step.StepTypes;
import io.zaps.executor.ExecutorProperties;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.kafka.GroupMembership;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.kafka.trace.RunTracing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Clock;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Owns the executor's {@link KafkaStreams}: creates the topics, starts the streams with the Spring
 * context and closes them (leaving the group, so a successor takes over at once) when it stops.
 */
public class ExecutorStreams implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ExecutorStreams.class);
    /** The consumer's (internal) {@code ConsumerConfig.LEAVE_GROUP_ON_CLOSE_CONFIG}. */
    static final String LEAVE_GROUP_ON_CLOSE = "internal.leave.group.on.close";

    private final ExecutorProperties properties;
    private final KafkaClientSecurity security;
    private final RunStateMachine machine;
    private final StepTypes stepTypes;
    private final Clock clock;
    private final RunTracing tracing;
    private final ExecutorMeters meters;
    private final AtomicBoolean readyLogged = new AtomicBoolean();
    private volatile KafkaStreams streams;
    /** Kafka Streams' own metrics and its clients' (consumer lag among them) in the meter registry, while running. */
    private KafkaStreamsMetrics streamsMetrics;
    /** When the streams last changed state ({@link System#nanoTime()}), for the readiness grace. */
    private volatile long stateSince = System.nanoTime();

    public ExecutorStreams(ExecutorProperties properties, KafkaClientSecurity security, RunStateMachine machine, StepTypes stepTypes, Clock clock) {
        this(properties, security, machine, stepTypes, clock, RunTracing.noop(), ExecutorMeters.none());
    }

    public ExecutorStreams(ExecutorProperties properties, KafkaClientSecurity security, RunStateMachine machine, StepTypes stepTypes, Clock clock,
                           RunTracing tracing, ExecutorMeters meters) {
        this.tracing = tracing;
        this.meters = meters;
        this.properties = properties;
        this.security = security;
        this.machine = machine;
        this.stepTypes = stepTypes;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (streams != null) {
            return;
        }
        if (properties.createTopics()) {
            TopicInitializer.ensure(properties.bootstrapServers(), security,
                    TopicInitializer.topics(stepTypes, properties.partitions(), properties.replicationFactor()),
                    properties.startupTimeout());
        }
        KafkaStreams created = new KafkaStreams(
                ExecutorTopology.build(machine, clock, properties.timerInterval(), properties.eagerCommitWithin(), retention(properties), tracing, meters),
                streamsConfig(properties, security));
        created.setStateListener((next, previous) -> {
            stateSince = System.nanoTime();
            if (next == KafkaStreams.State.RUNNING && readyLogged.compareAndSet(false, true)) {
                log.info("zaps executor ready");
            } else if (next == KafkaStreams.State.ERROR) {
                log.error("executor streams stopped in state ERROR; runs make no progress until the executor restarts");
            }
        });
        created.setUncaughtExceptionHandler(e -> {
            // Record-level problems are dead-lettered by the processor; what reaches here is Kafka
            // itself failing (fencing, lost broker), which a fresh thread usually survives.
            log.error("executor stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        // Tagged like Spring Kafka's client meters (spring.id): in ./zaps up every service shares one registry, where
        // Prometheus needs one set of tag keys per name, and the streams' consumer lag would otherwise be dropped
        // (or drop the other services', whichever registered second).
        streamsMetrics = new KafkaStreamsMetrics(created, List.of(Tag.of("spring.id", properties.applicationId())));
        streamsMetrics.bindTo(meters.registry());
        created.start();
        streams = created;
        log.debug("executor streams started: application {} at {} ({}), state in {}",
                properties.applicationId(), properties.bootstrapServers(), security, properties.stateDir());
    }

    @Override
    public synchronized void stop() {
        KafkaStreams current = streams;
        if (current == null) {
            return;
        }
        streams = null;
        readyLogged.set(false);
        if (streamsMetrics != null) {
            streamsMetrics.close();
            streamsMetrics = null;
        }
        boolean closed = current.close(new KafkaStreams.CloseOptions().timeout(properties.closeTimeout()).leaveGroup(true));
        if (!closed) {
            log.warn("executor streams did not close within {}", properties.closeTimeout());
        }
    }

    @Override
    public boolean isAutoStartup() {
        return properties.autoStartup();
    }

    @Override
    public boolean isRunning() {
        return streams != null;
    }

    /** The streams' state, {@code NOT_RUNNING} when stopped (for health checks and tests). */
    public KafkaStreams.State state() {
        KafkaStreams current = streams;
        return current == null ? KafkaStreams.State.NOT_RUNNING : current.state();
    }

    /** Whether the streams have been {@code RUNNING} since they were started (a rebalance after that is routine). */
    public boolean hasBeenRunning() {
        return streams != null && readyLogged.get();
    }

    /** When the streams last changed state, in {@link System#nanoTime()}. */
    public long stateSinceNanos() {
        return stateSince;
    }

    static FinishedRunStore.Retention retention(ExecutorProperties properties) {
        return new FinishedRunStore.Retention(properties.finishedRunRetention(), properties.failedRunRetention());
    }

    static long pollMillis(ExecutorProperties properties) {
        return Math.max(1L, Math.min(Math.min(100L, properties.timerInterval().toMillis()), properties.commitInterval().toMillis()));
    }

    static Properties streamsConfig(ExecutorProperties properties, KafkaClientSecurity security) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, properties.commitInterval().toMillis());
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, properties.streamThreads());
        config.put(StreamsConfig.STATE_DIR_CONFIG, properties.stateDir());
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) properties.replicationFactor());
        config.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        config.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
        // The thread blocks in poll() for up to poll.ms before it checks wall-clock punctuations and
        // whether the commit interval is up: records processed within the interval are committed only
        // then, or when another record wakes the thread. So a hop takes up to poll.ms, not up to the
        // commit interval, unless poll.ms is no longer than the commit interval.
        config.put(StreamsConfig.POLL_MS_CONFIG, pollMillis(properties));
        // Records go out as they are produced (a commit flushes them anyway); under load they batch while
        // earlier requests are in flight. linger.ms 1 cost about a millisecond per hop at low rates and
        // bought no throughput (docs/benchmarks.md).
        config.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // A transaction that begins while the coordinator still writes the markers of the previous one
        // is answered CONCURRENT_TRANSACTIONS (its first send, and sendOffsetsToTransaction) and retried
        // after retry.backoff.ms, growing exponentially up to retry.backoff.max.ms. At the defaults
        // (100 ms, 1 s) every commit that closely followed another stalled the thread ~100 ms; with
        // commits as frequent as eager-commit-within makes them, retry soon and keep retrying often
        // (the markers take a few ms). Measured in docs/benchmarks.md.
        config.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 5);
        config.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG), 10);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Restoring after a crash (exactly-once stores without a checkpoint are wiped and read back from their
        // changelogs): the restore consumer has one fetch in flight at a time, and a fetch for changelogs with nothing
        // more to read waits fetch.max.wait.ms (500 ms) on the broker; changelogs assigned meanwhile wait for it. A
        // restart restored in steps of 500 ms, about 1.5 s in all for a few records (docs/benchmarks.md, session 12).
        config.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
        // Kafka Streams keeps a closed member in its group until the session times out (45 s), hoping it
        // comes back; close(leaveGroup) only helps static members. Timers of the partitions it held would
        // be late by that much, so a cleanly stopped executor leaves at once and a successor takes over.
        config.put(StreamsConfig.mainConsumerPrefix(LEAVE_GROUP_ON_CLOSE), true);
        // The processor turns whatever one command throws into that run's failure and a dead letter; should
        // anything still escape it, log and go on rather than fail the thread (Kafka Streams' default), whose
        // replacement would take the same record and fail again, forever.
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class);
        config.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OversizedRecordHandler.class);
        // One native memory budget for all state stores of this process (BoundedRocksDbMemory says why).
        config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
        config.put(BoundedRocksDbMemory.BUDGET_CONFIG, properties.stateStoreMemory().toBytes());
        // Static membership with an instance id, a short session (GroupMembership; docs/architecture.md,
        // "Restarts"). Kafka Streams gives group.instance.id to the main consumer only, suffixed per thread.
        config.putAll(GroupMembership.consumerDefaults(properties.applicationId(), properties.instanceId(), properties.streams()));
        // Unprefixed, so the streams' consumers, producers and admin client all authenticate alike.
        config.putAll(security.clientProperties());
        config.putAll(properties.streams());
        return config;
    }
}
