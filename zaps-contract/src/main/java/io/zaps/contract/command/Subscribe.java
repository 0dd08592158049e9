package io.zaps.contract.command;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Attempt {@code attempt} of {@code wait_for_event} step {@code stepId} of run {@code runId} waits for an
 * event with correlation key {@code key}: the next such event resumes it ({@link ResumeStep}). Forgotten
 * when an event resumed it, when {@link Unsubscribe} says so, or after {@code expiresAt}.
 *
 * @param expiresAt when the wait times out; the subscription is dropped a little after that
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Subscribe(int schemaVersion, String key, String runId, String stepId, int attempt, Instant expiresAt)
        implements SubscriptionCommand {
    public static final String TYPE = "subscribe";
}
