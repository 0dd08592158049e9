package io.zaps.gateway.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.contract.workflow.WorkflowValidator;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.FileStore;
import org.springframework.stereotype.Service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Workflow definitions: validated completely before anything is written, every change saved as a new version. Writes of
 * one workflow are serialized by the store ({@link FileStore#saveWorkflow}, also between gateways sharing the data folder):
 * of concurrent creates exactly one wins, concurrent updates each get their own version and are never refused, and the
 * current definition is always the last version saved. {@link IfMatch} adds optimistic concurrency on top: a write that
 * names the version it started from fails with 412 if another came first.
 */
@Service
public class WorkflowService {
    private final FileStore store;
    private final WorkflowValidator validator;
    private final Clock clock;
    private final WorkflowPublisher publisher;

    public WorkflowService(FileStore store, WorkflowValidator validator, Clock clock, WorkflowPublisher publisher) {
        this.store = store;
        this.validator = validator;
        this.clock = clock;
        this.publisher = publisher;
    }

    /**
     * Saves a version and publishes it on {@code zaps.workflows} under the workflow's write lock (when Kafka does not
     * take it, {@link WorkflowPublisher} publishes it again later; the save stands).
     */
    private WorkflowDefinition save(String id, FileStore.WorkflowChange change) {
        return store.saveWorkflow(id, change, publisher::saved);
    }

    public WorkflowDefinition create(WorkflowDefinition submitted) {
        validate(submitted);
        String id = submitted.id();
        return save(id, (current, next) -> {
            if (current.isPresent()) {
                throw ApiException.conflict("workflow '" + id + "' already exists; use PUT /api/workflows/" + id + " to change it");
            }
            Instant now = clock.instant();
            return submitted.stamped(next, now, now);
        });
    }

    WorkflowDefinition update(String id, WorkflowDefinition submitted, IfMatch ifMatch) {
        if (submitted == null) {
            throw ApiException.badRequest("", "a workflow definition (JSON object) is required");
        }
        if (submitted.id() != null && !submitted.id().equals(id)) {
            throw ApiException.badRequest("id", "must be absent or equal the path id '" + id + "' (was '" + submitted.id() + "')");
        }
        get(id); // 404 before 400: an unknown workflow is the first thing wrong (and takes no lock)
        // Every submitted field is kept (version and times are stamped below): a field added to the
        // contract must not be dropped silently by an update.
        WorkflowDefinition withId = submitted.withId(id);
        validate(withId);
        return save(id, (current, next) -> {
            WorkflowDefinition base = current.orElseThrow(() -> unknown(id)); // deleted meanwhile
            ifMatch.check(id, versionOf(base));
            return withId.stamped(next, base.createdAt(), clock.instant());
        });
    }

    /**
     * A new version with only the status changed; nothing is saved when the workflow has that status already (the
     * current definition is answered), unless If-Match names another version (412).
     */
    WorkflowDefinition changeStatus(String id, WorkflowStatus status, IfMatch ifMatch) {
        WorkflowDefinition current = get(id);
        if (current.statusOrDefault() == status) {
            ifMatch.check(id, versionOf(current));
            return current;
        }
        return save(id, (stored, next) -> {
            WorkflowDefinition base = stored.orElseThrow(() -> unknown(id)); // deleted meanwhile
            ifMatch.check(id, versionOf(base));
            WorkflowDefinition changed = new WorkflowDefinition(base.id(), base.name(), base.description(), base.entryPoint(), status,
                    base.steps(), base.version(), base.createdAt(), base.updatedAt(), base.retry(), base.trigger(), base.onFailure());
            return changed.stamped(next, base.createdAt(), clock.instant());
        });
    }

    public WorkflowDefinition get(String id) {
        return store.findWorkflow(id).orElseThrow(() -> unknown(id));
    }

    public List<WorkflowDefinition> list() {
        return store.listWorkflows();
    }

    void delete(String id, IfMatch ifMatch) {
        boolean deleted = store.deleteWorkflow(id, current -> ifMatch.check(id, versionOf(current)), publisher::deleted);
        if (!deleted) {
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
        int size = Json.toBytes(definition).length;
        if (size > MAX_DEFINITION_BYTES) {
            // One record of zaps.workflows, and part of every start_run: both must stay under Kafka's 1 MiB.
            throw ApiException.badRequest("", "the definition is " + size + " bytes; at most " + MAX_DEFINITION_BYTES + " are accepted");
        }
    }

    /** The largest definition (as JSON) accepted: its record on zaps.workflows and a run's start_run stay under 1 MiB. */
    static final int MAX_DEFINITION_BYTES = 900 * 1024;

    /** A definition's version, its entity tag; 0 for a stored file without one (a hand edit), which no If-Match names. */
    static int versionOf(WorkflowDefinition definition) {
        return definition.version() == null ? 0 : definition.version();
    }

    static ApiException unknown(String id) {
        return ApiException.notFound("workflow '" + id + "' does not exist");
    }
}
