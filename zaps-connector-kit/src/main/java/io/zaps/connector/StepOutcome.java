package io.zaps.connector;

import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.Objects;

/**
 * What one attempt of one step came to: {@link Succeeded} with the step's output, or
 * {@link Failed} with the reason, whether trying again could help, and whatever output there is
 * (a failed HTTP call still carries its response).
 */
public sealed interface StepOutcome {

    /** The step's output; may be {@code null} when there is none. */
    JsonNode output();

    /** @param output what the step produced; later steps read it as {@code steps.<id>.output} */
    record Succeeded(JsonNode output) implements StepOutcome {
    }

    /**
     * @param error      why, for a person reading the run; never contains secrets
     * @param retryable  whether the executor should try the step again (timeouts, 5xx, SMTP 4xx)
     * @param output     what is known despite the failure, or {@code null}
     * @param retryAfter how long the other side asked to be left alone before the next try (an HTTP
     *                   {@code Retry-After}, see {@link RetryAfter}), or {@code null}; only meaningful
     *                   when {@code retryable}: the executor then waits at least this long, within the
     *                   step's retry policy
     */
    record Failed(String error, boolean retryable, JsonNode output, Duration retryAfter) implements StepOutcome {
        public Failed {
            Objects.requireNonNull(error, "error");
            if (retryAfter != null && retryAfter.isNegative()) {
                retryAfter = Duration.ZERO;
            }
        }

        /** A failure without a {@code Retry-After} hint. */
        public Failed(String error, boolean retryable, JsonNode output) {
            this(error, retryable, output, null);
        }
    }

    static StepOutcome succeeded(JsonNode output) {
        return new Succeeded(output);
    }

    static StepOutcome failed(String error, boolean retryable, JsonNode output) {
        return new Failed(error, retryable, output);
    }

    /** A failure whose retry should wait at least {@code retryAfter} ({@code null}: no hint). */
    static StepOutcome failed(String error, boolean retryable, JsonNode output, Duration retryAfter) {
        return new Failed(error, retryable, output, retryAfter);
    }

    /** A failure that may go away: the executor retries the step if it has attempts left. */
    static StepOutcome retryable(String error) {
        return new Failed(error, true, null);
    }

    /** A failure that will not go away by trying again. */
    static StepOutcome permanent(String error) {
        return new Failed(error, false, null);
    }
}
