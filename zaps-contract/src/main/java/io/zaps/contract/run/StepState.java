package io.zaps.contract.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One step's state within a run snapshot.
 *
 * @param stepId        the step's id
 * @param type          the step's type
 * @param status        pending, running, completed, failed or skipped
 * @param attempt       the current (or last) attempt, 0 before the first
 * @param input         the rendered config the step ran with (templates substituted), or null
 * @param startTime     when the current attempt started
 * @param endTime       when the step finished
 * @param error         why it failed, or null
 * @param output        what it produced, or null
 * @param attempts      every attempt so far, oldest first (absent in JSON when there is none)
 * @param nextAttemptAt when the next attempt is due while the step waits to be retried (status
 *                      {@code running}, its current attempt already ended), else null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StepState(
        String stepId,
        String type,
        StepStatus status,
        int attempt,
        JsonNode input,
        Instant startTime,
        Instant endTime,
        String error,
        JsonNode output,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<StepAttempt> attempts,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant nextAttemptAt) {

    public StepState {
        // JSON null and a missing value mean the same; keep one form so snapshots compare equal.
        input = input == null || input.isNull() ? null : input;
        output = output == null || output.isNull() ? null : output;
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    /** A step state without attempt history. */
    public StepState(String stepId, String type, StepStatus status, int attempt, JsonNode input,
                     Instant startTime, Instant endTime, String error, JsonNode output) {
        this(stepId, type, status, attempt, input, startTime, endTime, error, output, List.of(), null);
    }

    public static StepState pending(String stepId, String type) {
        return new StepState(stepId, type, StepStatus.PENDING, 0, null, null, null, null, null);
    }

    public StepState running(int newAttempt, JsonNode renderedInput, Instant now) {
        return new StepState(stepId, type, StepStatus.RUNNING, newAttempt, renderedInput, now, null, null, null, attempts, null);
    }

    public StepState completed(JsonNode result, Instant now) {
        return new StepState(stepId, type, StepStatus.COMPLETED, attempt, input, startTime, now, null, result, attempts, null);
    }

    public StepState failed(String reason, JsonNode result, Instant now) {
        return new StepState(stepId, type, StepStatus.FAILED, attempt, input, startTime, now, reason, result, attempts, null);
    }

    public StepState skipped() {
        return new StepState(stepId, type, StepStatus.SKIPPED, attempt, input, startTime, endTime, error, output, attempts, null);
    }

    /** The same state with {@code attempts} replaced. */
    public StepState withAttempts(List<StepAttempt> newAttempts) {
        return new StepState(stepId, type, status, attempt, input, startTime, endTime, error, output, newAttempts, nextAttemptAt);
    }

    /** The same state, still {@code running}, waiting until {@code dueAt} for its next attempt. */
    public StepState retryAt(Instant dueAt, String lastError, JsonNode lastOutput) {
        return new StepState(stepId, type, status, attempt, input, startTime, endTime, lastError, lastOutput, attempts, dueAt);
    }

    /** The record of attempt {@code number}, if it was made. */
    public Optional<StepAttempt> attemptRecord(int number) {
        return attempts.stream().filter(a -> a.attempt() == number).findFirst();
    }

    /** The same state with the record of attempt {@code record.attempt()} added or replaced. */
    public StepState withAttempt(StepAttempt record) {
        List<StepAttempt> next = new ArrayList<>(attempts);
        next.removeIf(a -> a.attempt() == record.attempt());
        next.add(record);
        next.sort(java.util.Comparator.comparingInt(StepAttempt::attempt));
        return withAttempts(next);
    }
}
