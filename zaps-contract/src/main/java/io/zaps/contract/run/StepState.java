package io.zaps.contract.run;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * One step's state within a run snapshot.
 *
 * @param stepId    the step's id
 * @param type      the step's type
 * @param status    pending, running, completed, failed or skipped
 * @param attempt   the current (or last) attempt, 0 before the first
 * @param input     the rendered config the step ran with (templates substituted), or null
 * @param startTime when the current attempt started
 * @param endTime   when the step finished
 * @param error     why it failed, or null
 * @param output    what it produced, or null
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
        JsonNode output) {

    public StepState {
        // JSON null and a missing value mean the same; keep one form so snapshots compare equal.
        input = input == null || input.isNull() ? null : input;
        output = output == null || output.isNull() ? null : output;
    }

    public static StepState pending(String stepId, String type) {
        return new StepState(stepId, type, StepStatus.PENDING, 0, null, null, null, null, null);
    }

    public StepState running(int newAttempt, JsonNode renderedInput, Instant now) {
        return new StepState(stepId, type, StepStatus.RUNNING, newAttempt, renderedInput, now, null, null, null);
    }

    public StepState completed(JsonNode result, Instant now) {
        return new StepState(stepId, type, StepStatus.COMPLETED, attempt, input, startTime, now, null, result);
    }

    public StepState failed(String reason, JsonNode result, Instant now) {
        return new StepState(stepId, type, StepStatus.FAILED, attempt, input, startTime, now, reason, result);
    }

    public StepState skipped() {
        return new StepState(stepId, type, StepStatus.SKIPPED, attempt, input, startTime, endTime, error, output);
    }
}
