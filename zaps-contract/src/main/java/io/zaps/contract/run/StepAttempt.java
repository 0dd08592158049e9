package io.zaps.contract.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * One attempt of one step, as shown in {@link StepState#attempts()}.
 *
 * @param attempt    1 for the first attempt
 * @param startTime  when the executor started it
 * @param endTime    when it ended (its result arrived, or the executor stopped waiting), null while it runs
 * @param outcome    how it ended, null while it runs
 * @param error      why it failed or timed out, or null
 * @param retryable  whether trying again could help, for a failed or timed-out attempt; else null
 * @param lateResult the outcome a connector reported after the attempt had timed out (recorded, otherwise ignored), or null
 * @param lateAt     when that late result arrived, or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StepAttempt(
        int attempt,
        Instant startTime,
        Instant endTime,
        Outcome outcome,
        String error,
        Boolean retryable,
        @JsonInclude(JsonInclude.Include.NON_NULL) Outcome lateResult,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant lateAt) {

    /** How an attempt ended. */
    public enum Outcome {
        @JsonProperty("succeeded") SUCCEEDED,
        @JsonProperty("failed") FAILED,
        @JsonProperty("timed_out") TIMED_OUT,
        /** The run was cancelled while the attempt was in flight; its result, if any arrives, is ignored. */
        @JsonProperty("cancelled") CANCELLED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static StepAttempt started(int attempt, Instant now) {
        return new StepAttempt(attempt, now, null, null, null, null, null, null);
    }

    public StepAttempt ended(Outcome how, String reason, Boolean canRetry, Instant now) {
        return new StepAttempt(attempt, startTime, now, how, reason, canRetry, null, null);
    }

    public StepAttempt withLateResult(Outcome late, Instant now) {
        return new StepAttempt(attempt, startTime, endTime, outcome, error, retryable, late, now);
    }
}
