package io.zaps.contract.command;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** A durable timer of the executor fell due: the delay of {@code stepId}, attempt {@code attempt}, is over. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FireTimer(int schemaVersion, String runId, String stepId, int attempt, Instant dueAt) implements RunCommand {
    public static final String TYPE = "fire_timer";
}
