package io.zaps.gateway.run;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.web.ApiException;
import io.zaps.gateway.web.PathIds;
import io.zaps.gateway.workflow.WorkflowService;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.List;
import java.util.regex.Pattern;

@Tag(name = "runs", description = "Triggering workflows and reading their runs")
@RestController
class RunController {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    private static final Pattern VALID_KEY = Pattern.compile("[\\x20-\\x7E]{1,200}");
    private static final int DEFAULT_LIMIT = 100;
    private final TriggerService triggers;
    private final WorkflowService workflows;
    private final AcceptedRuns runs;
    private final int maxListSize;

    RunController(TriggerService triggers, WorkflowService workflows, AcceptedRuns runs, GatewayProperties properties) {
        this.triggers = triggers;
        this.workflows = workflows;
        this.runs = runs;
        this.maxListSize = properties.maxListSize();
    }

    @Operation(summary = "Trigger a run",
            description = "Body {\"context\": {...}} (optional; context defaults to {}). Answers 202 with the pending run "
                    + "once Kafka has acknowledged the trigger; poll Location (/api/runs/{run_id}) for progress. "
                    + "409 if the workflow is paused or disabled, 503 if Kafka is unavailable. With an Idempotency-Key "
                    + "header (1 to 200 printable ASCII characters), a repeat of the key on the same workflow within "
                    + "zaps.gateway.idempotency-window (default 24h) starts nothing and answers 200 with that run's "
                    + "current snapshot, Location and Idempotent-Replayed: true. 429 with Retry-After when this gateway "
                    + "already has zaps.gateway.admission.max-unfinished-runs (default 5000) accepted runs that have not "
                    + "ended: nothing was started, send the trigger again later.")
    @ApiResponse(responseCode = "202", description = "accepted; Location names the run")
    @ApiResponse(responseCode = "200", description = "the Idempotency-Key already started this run (Idempotent-Replayed: true)")
    @ApiResponse(responseCode = "400", description = "the body or context is not a JSON object, or the Idempotency-Key is malformed")
    @ApiResponse(responseCode = "404", description = "no workflow with this id")
    @ApiResponse(responseCode = "409", description = "the workflow is paused or disabled")
    @ApiResponse(responseCode = "422", description = "the Idempotency-Key was used with another context")
    @ApiResponse(responseCode = "429", description = "overloaded: too many accepted runs have not ended yet "
            + "(zaps.gateway.admission.max-unfinished-runs); nothing was started, retry after Retry-After seconds")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the trigger; nothing runs")
    @PostMapping("/api/workflows/{id}/trigger")
    ResponseEntity<RunSnapshot> trigger(@PathVariable String id,
                                        @RequestHeader(name = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
                                        @RequestBody(required = false) JsonNode body) {
        String workflowId = PathIds.workflowId("id", id);
        if (idempotencyKey != null && !VALID_KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.badRequest(IDEMPOTENCY_KEY, "must be 1 to 200 printable ASCII characters");
        }
        TriggerService.Triggered triggered = triggers.trigger(workflowId, context(body), idempotencyKey);
        RunSnapshot run = triggered.run();
        URI location = URI.create("/api/runs/" + run.runId());
        if (triggered.replayed()) {
            return ResponseEntity.ok().location(location).header(REPLAYED, "true").body(run);
        }
        return ResponseEntity.accepted().location(location).body(run);
    }

    @Operation(summary = "Get a run's latest snapshot")
    @ApiResponse(responseCode = "200", description = "the run's latest snapshot")
    @ApiResponse(responseCode = "400", description = "run_id is not a lower-case UUID")
    @ApiResponse(responseCode = "404", description = "no run with this id")
    @GetMapping("/api/runs/{run_id}")
    RunSnapshot run(@PathVariable("run_id") String runId) {
        String id = PathIds.runId("run_id", runId);
        return runs.find(id).orElseThrow(() -> ApiException.notFound("run '" + id + "' does not exist"));
    }

    @Operation(summary = "List a workflow's runs, newest first")
    @ApiResponse(responseCode = "200", description = "the newest runs, at most limit (default 100)")
    @ApiResponse(responseCode = "400", description = "the id is malformed or limit is out of range")
    @ApiResponse(responseCode = "404", description = "no workflow with this id ever existed")
    @GetMapping("/api/workflows/{id}/runs")
    List<RunSnapshot> runs(@PathVariable String id, @RequestParam(required = false) Integer limit) {
        String workflowId = PathIds.workflowId("id", id);
        int max = limit == null ? Math.min(DEFAULT_LIMIT, maxListSize) : limit;
        if (max < 1 || max > maxListSize) {
            throw ApiException.badRequest("limit", "must be from 1 to " + maxListSize + " (was " + max + ")");
        }
        if (!workflows.known(workflowId)) {
            throw ApiException.notFound("workflow '" + workflowId + "' does not exist");
        }
        return runs.list(workflowId, max);
    }

    private static ObjectNode context(JsonNode body) {
        if (body == null || body.isNull() || body.isMissingNode()) {
            return Json.object();
        }
        if (!body.isObject()) {
            throw ApiException.badRequest("", "the body must be a JSON object like {\"context\": {...}}");
        }
        JsonNode context = body.get("context");
        if (context == null || context.isNull()) {
            return Json.object();
        }
        if (!context.isObject()) {
            throw ApiException.badRequest("context", "must be a JSON object (was " + context.getNodeType().name().toLowerCase() + ")");
        }
        return (ObjectNode) context;
    }
}
