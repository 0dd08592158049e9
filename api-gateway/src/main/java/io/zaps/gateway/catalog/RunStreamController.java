package io.zaps.gateway.catalog;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Ids;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.RunSummary;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.util.List;

@Tag(name = "runs")
@RestController
class RunStreamController {
    private final RunStream stream;

    RunStreamController(RunStream stream) {
        this.stream = stream;
    }

    @Operation(summary = "Stream run changes (server-sent events)",
            description = "text/event-stream: an event named run, its data a run summary (as in GET /api/runs) and its id "
                    + "<run_id>:<revision>, each time a snapshot of a run is written to the store; a comment line "
                    + "(: heartbeat) every 15 s; the stream ends after 30 min and EventSource reconnects (retry 3 s). Events "
                    + "are not replayed: after (re)connecting, read GET /api/runs for the current state. Filters: workflow_id, "
                    + "run_id. A client that falls too far behind is dropped. Browsers' EventSource cannot send headers, so "
                    + "this endpoint alone also accepts the API key as ?api_key=... (it may then appear in access logs; see "
                    + "docs/security.md). With several gateways, a stream shows the runs of the run-events partitions its "
                    + "gateway projects. Example: curl -N -H 'X-API-Key: k' localhost:8080/api/runs/stream")
    @ApiResponse(responseCode = "200", description = "the stream: events named run with a run summary as data",
            content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(implementation = RunSummary.class)))
    @ApiResponse(responseCode = "400", description = "workflow_id or run_id is malformed; errors names it")
    @ApiResponse(responseCode = "503", description = "too many streams are open (zaps.gateway.stream.max-clients)")
    @GetMapping(RunStream.PATH)
    SseEmitter stream(@Parameter(description = "only this workflow's runs") @RequestParam(name = "workflow_id", required = false) String workflowId,
                      @Parameter(description = "only this run") @RequestParam(name = "run_id", required = false) String runId,
                      @Parameter(description = "the API key, for clients that cannot send X-API-Key (EventSource); this endpoint only")
                      @RequestParam(name = "api_key", required = false) String apiKey) {
        if (workflowId != null && !Ids.isSafe(workflowId)) {
            throw ApiException.badRequest("workflow_id", "must match " + Ids.SAFE_ID.pattern());
        }
        if (runId != null && !Ids.isRunId(runId)) {
            throw ApiException.badRequest("run_id", "must be a lower-case UUID");
        }
        try {
            return stream.open(workflowId, runId);
        } catch (RunStream.FullException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "too many run streams are open; retry later", List.of())
                    .withHeader("Retry-After", "10");
        }
    }
}
