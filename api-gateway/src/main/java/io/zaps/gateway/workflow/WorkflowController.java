package io.zaps.gateway.workflow;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.gateway.web.ApiException;
import io.zaps.gateway.web.PathIds;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.net.URI;
import java.util.List;

@Tag(name = "workflows", description = "Workflow definitions; every change is a new version")
@RestController
@RequestMapping("/api/workflows")
class WorkflowController {
    private final WorkflowService workflows;
    private final WorkflowStats stats;

    WorkflowController(WorkflowService workflows, WorkflowStats stats) {
        this.workflows = workflows;
        this.stats = stats;
    }

    @Operation(summary = "Create a workflow",
            description = "Validated completely (ids, references, cycles, step configs) before anything is stored. "
                    + "version, created_at and updated_at are set by the server. Of concurrent creates of one id exactly one "
                    + "wins; the others get 409, as does a create of an id that exists.")
    @ApiResponse(responseCode = "201", description = "created; Location names the workflow, ETag is its version (\"1\")")
    @ApiResponse(responseCode = "400", description = "the definition is invalid or not readable JSON; errors names every field at fault")
    @ApiResponse(responseCode = "409", description = "a workflow with this id exists")
    @PostMapping
    ResponseEntity<WorkflowDefinition> create(@RequestBody WorkflowDefinition definition) {
        WorkflowDefinition stored = workflows.create(definition);
        return ResponseEntity.created(URI.create("/api/workflows/" + stored.id())).eTag(etag(stored)).body(stored);
    }

    @Operation(summary = "List the current workflow definitions",
            description = "Without parameters: every current definition, by id. With ?with=stats: instead of definitions, one "
                    + "summary per workflow for dashboards, {id, name, status, version, updated_at, last_run (a run summary as in "
                    + "GET /api/runs, or null), runs_24h, success_rate_24h (completed / (completed + failed) of the runs created "
                    + "in the last 24 hours, null when none finished), p50_ms_24h (median duration of the completed ones), "
                    + "sparkline (24 hourly buckets, oldest first, the last ending now: {start, completed, failed, p50_ms})}, "
                    + "computed from the run catalog without reading run files.")
    @ApiResponse(responseCode = "200", description = "the definitions, or with=stats their summaries",
            content = @Content(mediaType = "application/json", array = @ArraySchema(schema = @Schema(oneOf = {
                    WorkflowDefinition.class, WorkflowStats.WorkflowSummary.class}))))
    @ApiResponse(responseCode = "400", description = "with is not stats")
    @GetMapping
    List<?> list(@Parameter(description = "stats: answer workflow summaries with run statistics instead of definitions")
                 @RequestParam(name = "with", required = false) String with) {
        if (with == null) {
            return workflows.list();
        }
        if (!with.equals("stats")) {
            throw ApiException.badRequest("with", "must be stats (or left out)");
        }
        return stats.summarize(workflows.list());
    }

    /** @param status {@code active}, {@code paused} or {@code disabled} */
    record StatusChange(String status) {
    }

    @Operation(summary = "Change a workflow's status",
            description = "Body {\"status\": \"active\" | \"paused\" | \"disabled\"}: a paused or disabled workflow accepts no "
                    + "triggers (runs already started go on). Saves a new version with only the status changed, unless it "
                    + "already has that status (then nothing is saved and the current definition is answered). With "
                    + "If-Match: \"<version>\" only if that version is still the current one, else 412.")
    @ApiResponse(responseCode = "200", description = "the definition with its new status; ETag is its version")
    @ApiResponse(responseCode = "400", description = "status is missing or not active, paused or disabled, or If-Match is malformed")
    @ApiResponse(responseCode = "404", description = "no workflow with this id")
    @ApiResponse(responseCode = "412", description = "If-Match does not name the current version; current_version and ETag give it")
    @PutMapping("/{id}/status")
    ResponseEntity<WorkflowDefinition> status(@PathVariable String id,
                                              @Parameter(description = "the version expected to be current, e.g. \"7\"; * for any")
                                              @RequestHeader(name = IfMatch.HEADER, required = false) String ifMatch,
                                              @RequestBody StatusChange change) {
        WorkflowStatus status = null;
        for (WorkflowStatus candidate : WorkflowStatus.values()) {
            if (change != null && candidate.wireName().equals(change.status())) {
                status = candidate;
            }
        }
        if (status == null) {
            throw ApiException.badRequest("status", "must be active, paused or disabled");
        }
        WorkflowDefinition stored = workflows.changeStatus(PathIds.workflowId("id", id), status, IfMatch.parse(ifMatch));
        return ResponseEntity.ok().eTag(etag(stored)).body(stored);
    }

    @Operation(summary = "Get a workflow's current definition", description = "ETag is its version, e.g. \"7\", for If-Match.")
    @ApiResponse(responseCode = "200", description = "the current definition; ETag is its version")
    @ApiResponse(responseCode = "404", description = "no workflow with this id")
    @GetMapping("/{id}")
    ResponseEntity<WorkflowDefinition> get(@PathVariable String id) {
        WorkflowDefinition current = workflows.get(PathIds.workflowId("id", id));
        return ResponseEntity.ok().eTag(etag(current)).body(current);
    }

    @Operation(summary = "Update a workflow",
            description = "Saves a new version; runs already started keep theirs. 404 if the id is unknown (PUT never creates). "
                    + "Concurrent updates of one workflow are serialized, also across gateways sharing the data folder: each "
                    + "gets its own version and the current definition is always the last one saved (last writer wins, never "
                    + "backwards). With If-Match: \"<version>\" (the ETag of a GET) the update is saved only if that version is "
                    + "still the current one, else 412 naming current_version.")
    @ApiResponse(responseCode = "200", description = "the new version; ETag is its version")
    @ApiResponse(responseCode = "400", description = "the definition is invalid, its id is not the path's, or If-Match is malformed; errors names the field")
    @ApiResponse(responseCode = "404", description = "no workflow with this id (PUT never creates)")
    @ApiResponse(responseCode = "412", description = "If-Match does not name the current version; current_version and ETag give it")
    @PutMapping("/{id}")
    ResponseEntity<WorkflowDefinition> update(@PathVariable String id,
                                              @Parameter(description = "the version this update was made from, e.g. \"7\"; * for any")
                                              @RequestHeader(name = IfMatch.HEADER, required = false) String ifMatch,
                                              @RequestBody WorkflowDefinition definition) {
        WorkflowDefinition stored = workflows.update(PathIds.workflowId("id", id), definition, IfMatch.parse(ifMatch));
        return ResponseEntity.ok().eTag(etag(stored)).body(stored);
    }

    @Operation(summary = "Delete a workflow",
            description = "It accepts no more triggers; its versions and runs stay readable. With If-Match: \"<version>\" "
                    + "only if that version is still the current one, else 412 naming current_version.")
    @ApiResponse(responseCode = "204", description = "deleted")
    @ApiResponse(responseCode = "400", description = "the id or If-Match is malformed")
    @ApiResponse(responseCode = "404", description = "no workflow with this id")
    @ApiResponse(responseCode = "412", description = "If-Match does not name the current version; current_version and ETag give it")
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable String id,
                                @Parameter(description = "the version expected to be current, e.g. \"7\"; * for any")
                                @RequestHeader(name = IfMatch.HEADER, required = false) String ifMatch) {
        workflows.delete(PathIds.workflowId("id", id), IfMatch.parse(ifMatch));
        return ResponseEntity.noContent().build();
    }

    @Operation(summary = "List a workflow's versions")
    @ApiResponse(responseCode = "200", description = "every version, oldest first")
    @ApiResponse(responseCode = "404", description = "no workflow with this id ever existed")
    @GetMapping("/{id}/versions")
    List<VersionInfo> versions(@PathVariable String id) {
        return workflows.versions(PathIds.workflowId("id", id));
    }

    @Operation(summary = "Get one version of a workflow")
    @ApiResponse(responseCode = "200", description = "that version")
    @ApiResponse(responseCode = "400", description = "the id is malformed or the version is not an integer")
    @ApiResponse(responseCode = "404", description = "the workflow has no such version")
    @GetMapping("/{id}/versions/{version}")
    WorkflowDefinition version(@PathVariable String id, @PathVariable int version) {
        return workflows.version(PathIds.workflowId("id", id), version);
    }

    private static String etag(WorkflowDefinition definition) {
        return IfMatch.etag(WorkflowService.versionOf(definition));
    }
}
