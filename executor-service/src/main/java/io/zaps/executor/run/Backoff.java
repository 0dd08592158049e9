package io.zaps.executor.run;

import io.zaps.contract.workflow.RetryPolicy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;

/**
 * The wait before the next attempt of a step. Pure: the jitter is not random but derived from the
 * run id, step id and attempt ({@link Jitter#hashed()}), so deciding the same command twice (a
 * replay, a test) gives the same due time, while different runs failing together still spread out.
 */
public final class Backoff {
    private Backoff() {}

    /** A fraction in {@code [0, 1)} for one attempt of one step of one run. */
    @FunctionalInterface
    public interface Jitter {
        double fraction(String runId, String stepId, int attempt);

        /** The first 53 bits of SHA-256 over {@code runId:stepId:attempt}. */
        static Jitter hashed() {
            return (runId, stepId, attempt) -> {
                byte[] digest = sha256(runId + ":" + stepId + ":" + attempt);
                long bits = 0;
                for (int i = 0; i < 8; i++) {
                    bits = (bits << 8) | (digest[i] & 0xff);
                }
                return (bits >>> 11) / (double) (1L << 53);
            };
        }
    }

    /**
     * The wait after failed attempt {@code failedAttempt} (1 for the first):
     * {@code initial_interval * multiplier^(failedAttempt-1)}, capped at {@code max_interval}, then
     * shortened by {@code jitter * fraction} of itself, in whole milliseconds (at least one).
     * Out-of-range fields (a StartRun nobody validated) fall back to the defaults.
     */
    public static Duration delay(RetryPolicy policy, int failedAttempt, double fraction) {
        double initial = inRange(policy.initialIntervalOrDefault(), 1e-3, RetryPolicy.MAX_INTERVAL_LIMIT, RetryPolicy.DEFAULT_INITIAL_INTERVAL);
        double multiplier = inRange(policy.multiplierOrDefault(), 1, 100, RetryPolicy.DEFAULT_MULTIPLIER);
        double max = Math.max(initial, inRange(policy.maxIntervalOrDefault(), 1e-3, RetryPolicy.MAX_INTERVAL_LIMIT, RetryPolicy.DEFAULT_MAX_INTERVAL));
        double jitter = inRange(policy.jitterOrDefault(), 0, 1, RetryPolicy.DEFAULT_JITTER);
        double f = inRange(fraction, 0, 1, 0);
        double base = Math.min(max, initial * Math.pow(multiplier, Math.max(0, failedAttempt - 1)));
        double seconds = base * (1 - jitter * f);
        return Duration.ofMillis(Math.max(1, Math.round(seconds * 1000)));
    }

    /**
     * The wait after failed attempt {@code failedAttempt} when the other side asked for
     * {@code retryAfter} (an HTTP {@code Retry-After}; {@code null} for none): the larger of the
     * backoff and the hint, but never more than the policy's {@code max_interval}. The jitter only
     * ever shortens the backoff, never the hint. The cap is the policy's, not the hint's: whoever
     * wrote the workflow bounded how long a step may wait, and a server asking for an hour does not
     * hold the run for an hour (with {@code max_interval} at its default of 300 s, it tries again after
     * five minutes, and a second 429 uses up another attempt).
     */
    public static Duration delay(RetryPolicy policy, int failedAttempt, double fraction, Duration retryAfter) {
        Duration backoff = delay(policy, failedAttempt, fraction);
        if (retryAfter == null || retryAfter.compareTo(backoff) <= 0) {
            return backoff;
        }
        double initial = inRange(policy.initialIntervalOrDefault(), 1e-3, RetryPolicy.MAX_INTERVAL_LIMIT, RetryPolicy.DEFAULT_INITIAL_INTERVAL);
        double max = Math.max(initial, inRange(policy.maxIntervalOrDefault(), 1e-3, RetryPolicy.MAX_INTERVAL_LIMIT, RetryPolicy.DEFAULT_MAX_INTERVAL));
        Duration cap = Duration.ofMillis(Math.round(max * 1000));
        Duration wait = retryAfter.compareTo(cap) > 0 ? cap : retryAfter;
        return wait.compareTo(backoff) > 0 ? wait : backoff;
    }

    /** Attempts in all, within 1..{@link RetryPolicy#MAX_ATTEMPTS}. */
    public static int maxAttempts(RetryPolicy policy) {
        return Math.min(RetryPolicy.MAX_ATTEMPTS, Math.max(1, policy.maxAttemptsOrDefault()));
    }

    private static double inRange(double value, double min, double max, double fallback) {
        return Double.isNaN(value) || value < min || value > max ? fallback : value;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
