package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * Execute one attempt of one step: the executor's request to a connector, on
 * {@link io.zaps.contract.Topics#stepRequests(String)} of the step's type, keyed by run id. The
 * connector answers with a {@link CompleteStep} on {@link io.zaps.contract.Topics#RUN_COMMANDS}.
 *
 * @param idempotencyKey run id + step id + attempt; the connector passes it on to the outside world
 *                       so that a redelivered request does not do its side effect twice
 * @param config         the step's config with every template already rendered
 * @param deadline       when the executor stops waiting for this attempt
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonTypeName(ExecuteStep.TYPE)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExecuteStep(
        int schemaVersion,
        String runId,
        String workflowId,
        String stepId,
        String stepType,
        int attempt,
        String idempotencyKey,
        ObjectNode config,
        Instant requestedAt,
        Instant deadline) {
    public static final String TYPE = "execute_step";
}
