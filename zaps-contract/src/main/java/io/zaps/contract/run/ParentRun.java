package io.zaps.contract.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The run and step instance that started a child run: an iteration of a {@code for_each}, a branch of a
 * {@code parallel}, or a {@code call_workflow}. When the child ends, the executor tells the parent
 * ({@link io.zaps.contract.command.ChildRunEnded}).
 *
 * @param runId   the parent run
 * @param stepId  the parent's step that started the child
 * @param attempt that step's attempt (a retried step starts new children)
 * @param index   the iteration (for_each) or branch (parallel) the child is; 0 for call_workflow
 * @param depth   how many parents above this child (1 for a child of a top-level run); bounded
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ParentRun(String runId, String stepId, int attempt, int index, int depth) {
    /** How deep children may nest (a for_each in a parallel branch in a called workflow, ...). */
    public static final int MAX_DEPTH = 10;
}
