package io.zaps.executor.run;

import io.zaps.contract.run.ParentRun;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.LinkedHashMap;

/** The working copy of a snapshot while one command is decided; each committed change is built from it. */
final class SnapshotBuilder {
    String runId;
    String workflowId;
    Integer workflowVersion;
    RunStatus status;
    Instant createdAt;
    Instant startedAt;
    Instant completedAt;
    Instant updatedAt;
    ObjectNode context;
    LinkedHashMap<String, StepState> steps = new LinkedHashMap<>();
    String currentStepId;
    String error;
    long revision;
    ParentRun parent;
    /** See {@link RunSnapshot#resumeUrls()}: fixed when the run starts. */
    java.util.Map<String, String> resumeUrls = java.util.Map.of();

    static SnapshotBuilder from(RunSnapshot s) {
        SnapshotBuilder b = new SnapshotBuilder();
        b.runId = s.runId();
        b.workflowId = s.workflowId();
        b.workflowVersion = s.workflowVersion();
        b.status = s.status();
        b.createdAt = s.createdAt();
        b.startedAt = s.startedAt();
        b.completedAt = s.completedAt();
        b.updatedAt = s.updatedAt();
        b.context = s.context();
        b.steps = s.stepsCopy();
        b.currentStepId = s.currentStepId();
        b.error = s.error();
        b.revision = s.revision();
        b.parent = s.parent();
        b.resumeUrls = s.resumeUrls();
        return b;
    }

    StepState step(String stepId) {
        return steps.get(stepId);
    }

    void put(StepState state) {
        steps.put(state.stepId(), state);
    }

    /** Steps the run never reached: when it ends they are {@code skipped}, so no step stays {@code pending}. */
    void skipUnreached() {
        steps.replaceAll((id, s) -> s.status() == StepStatus.PENDING ? s.skipped() : s);
    }

    RunSnapshot build() {
        return new RunSnapshot(runId, workflowId, workflowVersion, status, createdAt, startedAt, completedAt,
                updatedAt, context, steps, currentStepId, error, revision, parent, resumeUrls);
    }
}
