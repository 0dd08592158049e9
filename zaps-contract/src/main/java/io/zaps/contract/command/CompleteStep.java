package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Record the outcome of one attempt of one step; sent by a connector in answer to an
 * {@link ExecuteStep}. A result for an attempt that is no longer current is ignored.
 *
 * @param outcome    succeeded or failed
 * @param output     what the step produced (for a failed HTTP call, the response too)
 * @param error      why it failed (null when succeeded)
 * @param retryable  whether trying again could help (timeouts, 5xx); permanent failures are false
 * @param startedAt  when the connector started the attempt
 * @param finishedAt when it finished
 * @param retryAfterSeconds for a retryable failure, how long the other side asked to be left alone
 *                   (an HTTP {@code Retry-After} header, in whole seconds from {@code finishedAt});
 *                   the executor waits at least this long, within the retry policy's
 *                   {@code max_interval}, before the next attempt. Absent when there is no such hint.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CompleteStep(
        int schemaVersion,
        String runId,
        String stepId,
        int attempt,
        String idempotencyKey,
        Outcome outcome,
        JsonNode output,
        String error,
        boolean retryable,
        Instant startedAt,
        Instant finishedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long retryAfterSeconds) implements RunCommand {
    public static final String TYPE = "complete_step";

    /** A result without a {@code Retry-After} hint. */
    public CompleteStep(int schemaVersion, String runId, String stepId, int attempt, String idempotencyKey, Outcome outcome,
                        JsonNode output, String error, boolean retryable, Instant startedAt, Instant finishedAt) {
        this(schemaVersion, runId, stepId, attempt, idempotencyKey, outcome, output, error, retryable, startedAt, finishedAt, null);
    }

    public enum Outcome {
        @JsonProperty("succeeded") SUCCEEDED,
        @JsonProperty("failed") FAILED
    }
}
