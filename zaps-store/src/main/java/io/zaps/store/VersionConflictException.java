package io.zaps.store;

/** Another writer saved the same workflow version first. */
public class VersionConflictException extends RuntimeException {
    public VersionConflictException(String workflowId, int version) {
        super("version " + version + " of workflow '" + workflowId + "' already exists");
    }
}
