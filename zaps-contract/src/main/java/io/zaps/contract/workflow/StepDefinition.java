package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

/**
 * One step of a workflow.
 *
 * @param id             unique within the workflow, {@link io.zaps.contract.Ids#SAFE_ID}
 * @param type           the step type ({@code delay}, {@code webhook}, {@code email}, ...), see {@link io.zaps.contract.step.StepTypes}
 * @param config         the type's configuration; string values may be templates over the run's data
 * @param nextStepId     the step that follows, or {@code null} for the last step
 * @param retry          this step's retry policy, replacing the workflow's {@code retry}; absent: the workflow's, else no retry
 * @param timeoutSeconds how long the executor waits for one attempt of an external step (1 to
 *                       {@value #MAX_TIMEOUT_SECONDS}); absent: the config's {@code timeout_seconds}, else the
 *                       type's {@link io.zaps.contract.step.StepSpec#defaultTimeoutSeconds()} (30; {@code pdf_extract} 60)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StepDefinition(
        String id,
        String type,
        ObjectNode config,
        String nextStepId,
        @JsonInclude(JsonInclude.Include.NON_NULL) RetryPolicy retry,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer timeoutSeconds) {
    public static final int MAX_TIMEOUT_SECONDS = 24 * 3600;

    /** A step without its own retry policy or timeout. */
    public StepDefinition(String id, String type, ObjectNode config, String nextStepId) {
        this(id, type, config, nextStepId, null, null);
    }
}
