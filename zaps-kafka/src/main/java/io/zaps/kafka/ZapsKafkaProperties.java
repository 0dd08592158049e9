package io.zaps.kafka;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How Zaps topics are created and how failing records are retried.
 *
 * @param partitions        partitions of every Zaps topic (run topics are keyed by run id; more partitions, more parallel executors)
 * @param replicationFactor replicas of every Zaps topic (1 for the embedded single-node broker, 3 in production)
 * @param createTopics      whether services create missing topics at start-up
 * @param retryAttempts     how often a record whose processing failed transiently is retried before it is dead-lettered
 * @param retryBackoffMs    the first pause between those retries (doubled each time)
 * @param instanceId        this instance's stable id (e.g. the host name), unique among the instances of a service:
 *                          its consumers then use static group membership ({@link GroupMembership}). Default
 *                          {@code ZAPS_INSTANCE_ID}; none means dynamic membership.
 */
@Validated
@ConfigurationProperties("zaps.kafka")
public record ZapsKafkaProperties(
        @Min(1) @Max(1000) Integer partitions,
        @Min(1) @Max(10) Short replicationFactor,
        Boolean createTopics,
        @Min(0) @Max(20) Integer retryAttempts,
        @Min(1) Long retryBackoffMs,
        String instanceId) {

    public ZapsKafkaProperties {
        partitions = partitions == null ? 6 : partitions;
        replicationFactor = replicationFactor == null ? 1 : replicationFactor;
        createTopics = createTopics == null || createTopics;
        retryAttempts = retryAttempts == null ? 3 : retryAttempts;
        retryBackoffMs = retryBackoffMs == null ? 200L : retryBackoffMs;
        instanceId = instanceId == null || instanceId.isBlank() ? null : instanceId.trim();
    }
}
