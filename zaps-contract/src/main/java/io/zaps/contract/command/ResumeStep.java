package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Resume attempt {@code attempt} of a waiting {@code wait_for_event} step with {@code data} as its output.
 * Sent by the gateway when its resume URL is called ({@link Source#RESUME_URL}, with the URL's
 * {@code token}), or by the executor's own correlation of an event ({@link Source#EVENT}, with the
 * event's correlation {@code key}). The executor ignores it (and says why) when the step is not waiting
 * on that attempt any more, when the token or key is not the step's, or when the wait already timed out.
 *
 * @param token       the token of the resume URL, compared with the one the step recorded; null for an event
 * @param key         the correlation key of the event, compared with the step's; null for a resume URL
 * @param data        the step's output (any JSON); absent means {@code {}}
 * @param eventId     the event's id, for tracing, or null
 * @param requestedAt when the gateway or the executor received it
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ResumeStep(int schemaVersion, String runId, String stepId, int attempt, Source source,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String token,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String key,
                         JsonNode data,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String eventId,
                         Instant requestedAt) implements RunCommand {
    public static final String TYPE = "resume_step";

    /** What resumed the step. */
    public enum Source {
        /** A POST to the step's resume URL (through the gateway). */
        @JsonProperty("resume_url") RESUME_URL,
        /** An event with the step's correlation key. */
        @JsonProperty("event") EVENT;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
