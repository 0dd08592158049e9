package io.zaps.contract.workflow;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A workflow's error handler: when one of its runs ends {@code failed}, the executor starts a run of
 * {@code workflowId} whose context names the failed run ({@code failed_run_id}, {@code workflow_id},
 * {@code step_id}, {@code error}). A run started this way never starts another error workflow.
 *
 * @param workflowId the error workflow; must not be the workflow itself
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record OnFailure(String workflowId) {
}
