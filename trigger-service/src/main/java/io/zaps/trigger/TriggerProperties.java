package io.zaps.trigger;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of the trigger service ({@code zaps.trigger.*}).
 *
 * @param dataDir             the folder of this service's own files ({@code ZAPS_DATA_DIR}, default {@code ./.zaps}): for
 *                            email triggers the attachments of the gateway's data folder; otherwise only read, once, for
 *                            cursor files from before {@code zaps.trigger-cursors} (published on upgrade). Workflow
 *                            definitions, secrets and cursors come from Kafka, not from here (docs/architecture.md)
 * @param listenerConcurrency consumers of {@code zaps.triggers} in this instance (at most the topic's partitions do work), default 3
 * @param publishTimeout      how long a batch waits for Kafka to acknowledge its StartRun, run event and dead-letter
 *                            records before the batch is retried from the first unacknowledged record, default 30s
 * @param instanceId          names this instance in its Kafka client ids and thread names (several instances share one
 *                            consumer group each; the id only tells them apart in logs and metrics), default {@code trigger-service}
 * @param sourceScanInterval  how often trigger sources (schedules, Kafka topics) re-read the workflow definitions: a new,
 *                            changed, paused, disabled or deleted workflow is acted on within this time, default 1s
 * @param scheduleCatchUp     ticks of a schedule missed by at most this much (a restart, a hand-over between instances)
 *                            are each still fired; older missed ticks follow the workflow's {@code missed} policy, default 60s
 * @param topicMaxRecordBytes the largest record of a user topic (key, value and headers) that starts a run from a
 *                            {@code kafka} trigger; a bigger one is dead-lettered to {@code zaps.triggers.dlt}, default 262144 (256 KiB)
 * @param commitInterval      how often the consumers of {@code zaps.triggers} commit their offsets (and when partitions
 *                            are revoked); a crash redelivers at most this much, harmlessly (run ids are fixed), default 1s
 * @param workflowSyncTimeout how long a trigger waits for the view of {@code zaps.workflows} to catch up when it asks for a
 *                            version the view does not have yet, or names a workflow the view does not hold active,
 *                            default 10s; then the trigger is decided on what the view holds
 */
@Validated
@ConfigurationProperties("zaps.trigger")
public record TriggerProperties(
        @NotNull Path dataDir,
        @NotNull @Min(1) @Max(64) Integer listenerConcurrency,
        @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration publishTimeout,
        @NotNull @Pattern(regexp = "[A-Za-z0-9._-]{1,100}") String instanceId,
        @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 1) Duration sourceScanInterval,
        @NotNull @DurationMin(seconds = 0) @DurationMax(hours = 1) Duration scheduleCatchUp,
        @NotNull @Min(1024) @Max(900 * 1024) Integer topicMaxRecordBytes,
        @NotNull @DurationMin(millis = 1) @DurationMax(minutes = 1) Duration commitInterval,
        @NotNull @DurationMin(millis = 1) @DurationMax(minutes = 5) Duration workflowSyncTimeout) {

    public TriggerProperties {
        dataDir = dataDir == null ? Path.of("./.zaps") : dataDir;
        listenerConcurrency = listenerConcurrency == null ? 3 : listenerConcurrency;
        publishTimeout = publishTimeout == null ? Duration.ofSeconds(30) : publishTimeout;
        instanceId = instanceId == null ? "trigger-service" : instanceId;
        sourceScanInterval = sourceScanInterval == null ? Duration.ofSeconds(1) : sourceScanInterval;
        scheduleCatchUp = scheduleCatchUp == null ? Duration.ofSeconds(60) : scheduleCatchUp;
        topicMaxRecordBytes = topicMaxRecordBytes == null ? 256 * 1024 : topicMaxRecordBytes;
        commitInterval = commitInterval == null ? Duration.ofSeconds(1) : commitInterval;
        workflowSyncTimeout = workflowSyncTimeout == null ? Duration.ofSeconds(10) : workflowSyncTimeout;
    }
}
