package io.zaps.contract.workflow;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;
import tools.jackson.databind.node.ObjectNode;

/**
 * One step of a workflow.
 *
 * @param id         unique within the workflow, {@link io.zaps.contract.Ids#SAFE_ID}
 * @param type       the step type ({@code delay}, {@code webhook}, {@code email}, ...), see {@link io.zaps.contract.step.StepTypes}
 * @param config     the type's configuration; string values may be templates over the run's data
 * @param nextStepId the step that follows, or {@code null} for the last step
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StepDefinition(String id, String type, ObjectNode config, String nextStepId) {
}
