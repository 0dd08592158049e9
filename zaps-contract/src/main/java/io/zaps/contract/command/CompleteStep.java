package io.zaps.contract.command;

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
        Instant finishedAt) implements RunCommand {
    public static final String TYPE = "complete_step";

    public enum Outcome {
        @JsonProperty("succeeded") SUCCEEDED,
        @JsonProperty("failed") FAILED
    }
}
