package io.zaps.trigger.workflow;

import io.zaps.contract.workflow.WorkflowDefinition;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Where the {@link WorkflowCatalog} finds definitions: the view of {@code zaps.workflows} (wired in the configuration). */
public interface WorkflowSource {
    /** The current definition; empty when unknown or deleted. */
    Optional<WorkflowDefinition> find(String workflowId);

    /** The highest version seen of the workflow, saved or deleted; 0 when none. */
    int version(String workflowId);

    /** The ids of every current workflow, in id order. */
    Set<String> ids();

    /** Waits until everything published before the call is seen; false when that took longer than {@code timeout}. */
    boolean awaitCaughtUp(Duration timeout);
}
