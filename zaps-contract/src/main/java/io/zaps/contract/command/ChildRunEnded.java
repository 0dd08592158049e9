package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.run.RunStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * A child run ended: sent by the executor, in the transaction that ended the child, to its parent run
 * (keyed by the parent's run id). The parent's step instance records it and goes on.
 *
 * @param runId      the parent run (the record key)
 * @param stepId     the parent's step that started the child
 * @param attempt    that step's attempt
 * @param index      the iteration or branch the child was
 * @param childRunId the child
 * @param status     how it ended: completed, failed or cancelled
 * @param output     the output of the child's last completed step, or null
 * @param error      why it failed or was cancelled, or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ChildRunEnded(
        int schemaVersion,
        String runId,
        String stepId,
        int attempt,
        int index,
        String childRunId,
        RunStatus status,
        @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode output,
        @JsonInclude(JsonInclude.Include.NON_NULL) String error) implements RunCommand {
    public static final String TYPE = "child_run_ended";
}
