package io.zaps.trigger;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of the trigger service ({@code zaps.trigger.*}).
 *
 * @param dataDir             the shared data folder whose {@code workflows/<id>.json} the gateway writes
 *                            ({@code ZAPS_DATA_DIR}, default {@code ./.zaps})
 * @param listenerConcurrency consumers of {@code zaps.triggers} in this instance (at most the topic's partitions do work), default 3
 * @param publishTimeout      how long a batch waits for Kafka to acknowledge its StartRun, run event and dead-letter
 *                            records before the batch is retried from the first unacknowledged record, default 30s
 */
@Validated
@ConfigurationProperties("zaps.trigger")
public record TriggerProperties(
        @NotNull Path dataDir,
        @NotNull @Min(1) @Max(64) Integer listenerConcurrency,
        @NotNull @DurationMin(millis = 100) @DurationMax(minutes = 10) Duration publishTimeout) {

    public TriggerProperties {
        dataDir = dataDir == null ? Path.of("./.zaps") : dataDir;
        listenerConcurrency = listenerConcurrency == null ? 3 : listenerConcurrency;
        publishTimeout = publishTimeout == null ? Duration.ofSeconds(30) : publishTimeout;
    }
}
