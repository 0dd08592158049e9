package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * How often and how patiently the executor tries one step again after a retryable failure or a
 * timeout. Set on a step ({@code steps[i].retry}) or for the whole workflow ({@code retry}); a
 * step's own policy replaces the workflow's as a whole. Every field is optional; absent fields take
 * the defaults below. A permanent failure (the connector says {@code retryable: false}) is never
 * retried, and {@code delay} steps are never retried.
 *
 * <p>The wait after failed attempt {@code n} is {@code initial_interval * multiplier^(n-1)},
 * capped at {@code max_interval}, then shortened by up to {@code jitter} of itself (the executor
 * derives the fraction from the run id, step id and attempt, so a replay decides the same).
 *
 * @param maxAttempts     attempts in all, including the first: 1 (the default) means no retry; 1 to {@value #MAX_ATTEMPTS}
 * @param initialInterval seconds before the second attempt, default 1; more than 0
 * @param multiplier      factor by which each wait grows, default 2.0; 1 to 100
 * @param maxInterval     the longest wait in seconds, default 300; at least {@code initial_interval}
 * @param jitter          the fraction 0..1 by which a wait may be shortened, default 0.2
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetryPolicy(Integer maxAttempts, Double initialInterval, Double multiplier, Double maxInterval, Double jitter) {
    public static final int DEFAULT_MAX_ATTEMPTS = 1;
    public static final double DEFAULT_INITIAL_INTERVAL = 1;
    public static final double DEFAULT_MULTIPLIER = 2.0;
    public static final double DEFAULT_MAX_INTERVAL = 300;
    public static final double DEFAULT_JITTER = 0.2;
    public static final int MAX_ATTEMPTS = 100;
    /** The longest allowed interval: one week, in seconds. */
    public static final double MAX_INTERVAL_LIMIT = 7 * 24 * 3600;

    /** No retry: one attempt. */
    public static final RetryPolicy NONE = new RetryPolicy(1, null, null, null, null);

    public int maxAttemptsOrDefault() {
        return maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
    }

    public double initialIntervalOrDefault() {
        return initialInterval == null ? DEFAULT_INITIAL_INTERVAL : initialInterval;
    }

    public double multiplierOrDefault() {
        return multiplier == null ? DEFAULT_MULTIPLIER : multiplier;
    }

    public double maxIntervalOrDefault() {
        return maxInterval == null ? DEFAULT_MAX_INTERVAL : maxInterval;
    }

    public double jitterOrDefault() {
        return jitter == null ? DEFAULT_JITTER : jitter;
    }
}
