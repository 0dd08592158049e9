package io.zaps.gateway.workflow;

import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.FileStore;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Workflow definitions: validated completely before anything is written, every change saved as a new
 * version ({@link FileStore#saveWorkflowVersion} refuses to overwrite one, so two concurrent writers
 * cannot both win).
 */
@Service
public class WorkflowService {
    private final FileStore store;
    private final WorkflowValidator validator;
    private final Clock clock;

    public WorkflowService(FileStore store, WorkflowValidator validator, Clock clock) {
        this.store = store;
        this.validator = validator;
        this.clock = clock;
    }

    public WorkflowDefinition create(WorkflowDefinition submitted) {
        validate(submitted);
        String id = submitted.id();
        if (store.findWorkflow(id).isPresent()) {
            throw ApiException.conflict("workflow '" + id + "' already exists; use PUT /api/workflows/" + id + " to change it");
        }
        Instant now = clock.instant();
        WorkflowDefinition stored = submitted.stamped(nextVersion(id), now, now);
        store.saveWorkflowVersion(stored);
        return stored;
    }

    public WorkflowDefinition update(String id, WorkflowDefinition submitted) {
        if (submitted == null) {
            throw ApiException.badRequest("", "a workflow definition (JSON object) is required");
        }
        if (submitted.id() != null && !submitted.id().equals(id)) {
            throw ApiException.badRequest("id", "must be absent or equal the path id '" + id + "' (was '" + submitted.id() + "')");
        }
        WorkflowDefinition current = get(id);
        // Every submitted field is kept (version and times are stamped below): a field added to the
        // contract must not be dropped silently by an update.
        WorkflowDefinition withId = submitted.withId(id);
        validate(withId);
        WorkflowDefinition stored = withId.stamped(nextVersion(id), current.createdAt(), clock.instant());
        store.saveWorkflowVersion(stored);
        return stored;
    }

    public WorkflowDefinition get(String id) {
        return store.findWorkflow(id).orElseThrow(() -> unknown(id));
    }

    public List<WorkflowDefinition> list() {
        return store.listWorkflows();
    }

    public void delete(String id) {
        if (!store.deleteWorkflow(id)) {
            throw unknown(id);
        }
    }

    public List<VersionInfo> versions(String id) {
        List<Integer> versions = store.listWorkflowVersions(id);
        if (versions.isEmpty()) {
            throw unknown(id);
        }
        return versions.stream()
                .map(v -> new VersionInfo(v, store.findWorkflowVersion(id, v).map(WorkflowDefinition::updatedAt).orElse(null)))
                .toList();
    }

    public WorkflowDefinition version(String id, int version) {
        return store.findWorkflowVersion(id, version)
                .orElseThrow(() -> ApiException.notFound("workflow '" + id + "' has no version " + version));
    }

    /** Whether the workflow exists now or ever did (its versions and runs stay readable after a delete). */
    public boolean known(String id) {
        return store.findWorkflow(id).isPresent() || !store.listWorkflowVersions(id).isEmpty();
    }

    private void validate(WorkflowDefinition definition) {
        List<Violation> violations = validator.validate(definition);
        if (!violations.isEmpty()) {
            throw ApiException.invalid(violations);
        }
    }

    private int nextVersion(String id) {
        List<Integer> versions = store.listWorkflowVersions(id);
        return versions.isEmpty() ? 1 : versions.get(versions.size() - 1) + 1;
    }

    static ApiException unknown(String id) {
        return ApiException.notFound("workflow '" + id + "' does not exist");
    }
}
