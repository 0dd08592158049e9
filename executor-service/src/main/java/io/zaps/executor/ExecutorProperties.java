package io.zaps.executor;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.Map;

/**
 * Configuration of the executor service ({@code zaps.executor.*}; env vars such as
 * {@code ZAPS_EXECUTOR_COMMIT_INTERVAL=50ms} work too). The defaults suit a local run.
 *
 * @param bootstrapServers  Kafka bootstrap servers. Default: {@code spring.kafka.bootstrap-servers}, else
 *                          {@code ZAPS_BOOTSTRAP_SERVERS}, else {@code localhost:9092}.
 * @param applicationId     Kafka Streams application id: the consumer group and the prefix of the
 *                          changelog topics. Every executor instance of one deployment uses the same.
 * @param stateDir          where the local state stores live. Default {@code ${ZAPS_DATA_DIR:./.zaps}/executor/state}.
 *                          Disposable: it is rebuilt from the changelog topics when lost.
 * @param streamThreads     stream threads in this instance (at most the number of partitions are busy).
 * @param commitInterval    how often the exactly-once transaction commits; results are visible to the
 *                          next hop only after a commit, so this bounds the latency each hop adds.
 * @param eagerCommitWithin a command processed within this time of being produced (its record timestamp) asks
 *                          for a commit at once instead of waiting for {@code commit-interval}: an executor
 *                          that keeps up commits each command as soon as it is decided (the latency of a hop
 *                          is then one commit, not up to a commit interval), while one that falls behind
 *                          (its records wait longer) batches them per commit interval, which is what keeps
 *                          its throughput up. Zero turns it off. Default 5ms.
 * @param timerInterval     how often due timers are looked for (wall-clock); the delay step's precision.
 * @param partitions        partitions of the topics this service creates when they are absent.
 * @param replicationFactor replication factor of those topics and of the changelog topics.
 * @param createTopics      create the topics the executor uses at start-up when they are absent.
 * @param deadlineGrace     added to a step's own timeout for the deadline of an ExecuteStep.
 * @param finishedRunRetention how long the executor remembers a completed or cancelled run after it
 *                          finished (its status and revision only; the snapshot is in the JSON store): a
 *                          duplicate {@code start_run} or a straggling result within this window is
 *                          recognised and ignored; after it the run is forgotten. Like the gateway's
 *                          {@code idempotency-window}, default 24h.
 * @param failedRunRetention how long a failed run is kept whole, so that {@code retry_run} can resume it;
 *                          after it a {@code retry_run} is ignored (and a duplicate {@code start_run}
 *                          is no longer recognised). Default 7d.
 * @param startupTimeout    how long start-up may wait for the broker to create topics.
 * @param closeTimeout      how long a shutdown waits for the stream threads to finish their work.
 * @param autoStartup       start the streams with the application context; when false, call
 *                          {@code ExecutorStreams.start()} yourself (e.g. once the broker is up).
 * @param streams           extra Kafka Streams (or prefixed client) properties, applied last, e.g.
 *                          {@code zaps.executor.streams[session.timeout.ms]=10000}.
 * @param publicUrl         where people and programs reach the API gateway: the base of the resume URLs of
 *                          {@code wait_for_event} steps ({@code <public-url>/hooks/runs/...}). Default
 *                          {@code ZAPS_PUBLIC_URL}, else {@code http://localhost:${ZAPS_HTTP_PORT:8080}}.
 * @param stateStoreMemory  native memory of all the executor's RocksDB state stores in this process together: one
 *                          block cache that their memtables are charged to as well (Kafka Streams' default is a
 *                          50 MiB cache and up to 48 MiB of memtables per store, thirty stores here). Default 64MB.
 * @param instanceId        this executor's stable id (e.g. the host name), unique among the executors: the
 *                          streams then use static group membership, and a restarted executor takes its tasks
 *                          back at once (docs/architecture.md, "Restarts"). Default {@code ZAPS_INSTANCE_ID};
 *                          none means dynamic membership.
 */
@Validated
@ConfigurationProperties("zaps.executor")
public record ExecutorProperties(
        @NotBlank String bootstrapServers,
        @DefaultValue("zaps-executor") @NotBlank String applicationId,
        @NotBlank String stateDir,
        @DefaultValue("1") @Min(1) @Max(64) int streamThreads,
        @DefaultValue("20ms") Duration commitInterval,
        @DefaultValue("5ms") Duration eagerCommitWithin,
        @DefaultValue("100ms") Duration timerInterval,
        @DefaultValue("6") @Min(1) @Max(10_000) int partitions,
        @DefaultValue("1") @Min(1) @Max(32) short replicationFactor,
        @DefaultValue("true") boolean createTopics,
        @DefaultValue("5s") Duration deadlineGrace,
        @DefaultValue("24h") Duration finishedRunRetention,
        @DefaultValue("7d") Duration failedRunRetention,
        @DefaultValue("30s") Duration startupTimeout,
        @DefaultValue("10s") Duration closeTimeout,
        @DefaultValue("true") boolean autoStartup,
        Map<String, String> streams,
        @NotBlank String publicUrl,
        @DefaultValue("64MB") DataSize stateStoreMemory,
        String instanceId) {

    public ExecutorProperties {
        requirePositive("commit-interval", commitInterval);
        requirePositive("timer-interval", timerInterval);
        requirePositive("startup-timeout", startupTimeout);
        requirePositive("close-timeout", closeTimeout);
        requirePositive("finished-run-retention", finishedRunRetention);
        requirePositive("failed-run-retention", failedRunRetention);
        if (eagerCommitWithin == null || eagerCommitWithin.isNegative()) {
            throw new IllegalArgumentException("zaps.executor.eager-commit-within must be zero or positive");
        }
        if (deadlineGrace == null || deadlineGrace.isNegative()) {
            throw new IllegalArgumentException("zaps.executor.deadline-grace must be zero or positive");
        }
        streams = streams == null ? Map.of() : Map.copyOf(streams);
        if (stateStoreMemory == null || stateStoreMemory.toBytes() < 1024 * 1024) {
            throw new IllegalArgumentException("zaps.executor.state-store-memory must be at least 1MB (was " + stateStoreMemory + ")");
        }
        instanceId = instanceId == null || instanceId.isBlank() ? null : instanceId.trim();
        if (publicUrl == null || !(publicUrl.startsWith("http://") || publicUrl.startsWith("https://")) || publicUrl.contains("?")) {
            throw new IllegalArgumentException("zaps.executor.public-url must be an http(s) URL without a query (was " + publicUrl + ")");
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("zaps.executor." + name + " must be a positive duration (was " + value + ")");
        }
    }
}
