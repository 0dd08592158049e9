package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A durable timer of the executor fell due for attempt {@code attempt} of {@code stepId}.
 *
 * @param kind what the timer is for; absent means {@link Kind#DELAY} (the only kind before retries existed)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record FireTimer(int schemaVersion, String runId, String stepId, int attempt, Instant dueAt,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Kind kind) implements RunCommand {
    public static final String TYPE = "fire_timer";

    /** What a timer is for. */
    public enum Kind {
        /** The wait of a {@code delay} step (attempt: the delay's attempt) is over. */
        @JsonProperty("delay") DELAY,
        /** Start attempt {@code attempt} of a step waiting to be retried. */
        @JsonProperty("retry") RETRY,
        /** Attempt {@code attempt} of an external step reached its deadline. */
        @JsonProperty("attempt_timeout") ATTEMPT_TIMEOUT;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A delay timer. */
    public FireTimer(int schemaVersion, String runId, String stepId, int attempt, Instant dueAt) {
        this(schemaVersion, runId, stepId, attempt, dueAt, null);
    }

    public Kind kindOrDefault() {
        return kind == null ? Kind.DELAY : kind;
    }
}
