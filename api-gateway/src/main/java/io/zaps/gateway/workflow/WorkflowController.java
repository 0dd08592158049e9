package io.zaps.gateway.workflow;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.gateway.web.PathIds;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;

@Tag(name = "workflows", description = "Workflow definitions; every change is a new version")
@RestController
@RequestMapping("/api/workflows")
class WorkflowController {
    private final WorkflowService workflows;

    WorkflowController(WorkflowService workflows) {
        this.workflows = workflows;
    }

    @Operation(summary = "Create a workflow",
            description = "Validated completely (ids, references, cycles, step configs) before anything is stored. "
                    + "version, created_at and updated_at are set by the server. 409 if the id exists.")
    @ApiResponse(responseCode = "201", description = "created; Location names the workflow")
    @PostMapping
    ResponseEntity<WorkflowDefinition> create(@RequestBody WorkflowDefinition definition) {
        WorkflowDefinition stored = workflows.create(definition);
        return ResponseEntity.created(URI.create("/api/workflows/" + stored.id())).body(stored);
    }

    @Operation(summary = "List the current workflow definitions")
    @GetMapping
    List<WorkflowDefinition> list() {
        return workflows.list();
    }

    @Operation(summary = "Get a workflow's current definition")
    @GetMapping("/{id}")
    WorkflowDefinition get(@PathVariable String id) {
        return workflows.get(PathIds.workflowId("id", id));
    }

    @Operation(summary = "Update a workflow", description = "Saves a new version; runs already started keep theirs. 404 if the id is unknown.")
    @PutMapping("/{id}")
    WorkflowDefinition update(@PathVariable String id, @RequestBody WorkflowDefinition definition) {
        return workflows.update(PathIds.workflowId("id", id), definition);
    }

    @Operation(summary = "Delete a workflow", description = "It accepts no more triggers; its versions and runs stay readable.")
    @ApiResponse(responseCode = "204", description = "deleted")
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        workflows.delete(PathIds.workflowId("id", id));
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "List a workflow's versions")
    @GetMapping("/{id}/versions")
    List<VersionInfo> versions(@PathVariable String id) {
        return workflows.versions(PathIds.workflowId("id", id));
    }

    @Operation(summary = "Get one version of a workflow")
    @GetMapping("/{id}/versions/{version}")
    WorkflowDefinition version(@PathVariable String id, @PathVariable int version) {
        return workflows.version(PathIds.workflowId("id", id), version);
    }
}
