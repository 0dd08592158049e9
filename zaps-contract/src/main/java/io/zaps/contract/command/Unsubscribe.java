package io.zaps.contract.command;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The wait of attempt {@code attempt} of step {@code stepId} of run {@code runId} on {@code key} ended
 * otherwise (its resume URL was called, it timed out): drop its subscription. Nothing when there is none.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Unsubscribe(int schemaVersion, String key, String runId, String stepId, int attempt)
        implements SubscriptionCommand {
    public static final String TYPE = "unsubscribe";
}
