package io.zaps.gateway.event;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.workflow.Violation;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.run.AcceptedRuns;
import io.zaps.gateway.web.ApiException;
import io.zaps.gateway.web.PathIds;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * {@code POST /hooks/runs/{run_id}/steps/{step_id}/resume?token=...}: the resume URL of a waiting
 * {@code wait_for_event} step, as its output shows it. No API key: the token is the credential (an approver
 * gets the URL by mail). The gateway checks it against the run's latest snapshot (404 when the step is not
 * waiting there, 403 for another token), then hands a {@code resume_step} to the executor, which checks again
 * against its own, newer state.
 */
@Tag(name = "events", description = "Events that runs wait for (wait_for_event)")
@RestController
class ResumeController {
    private final AcceptedRuns runs;
    private final EventPublisher publisher;
    private final Clock clock;
    private final long maxBodyBytes;

    ResumeController(AcceptedRuns runs, EventPublisher publisher, Clock clock, GatewayProperties properties) {
        this.runs = runs;
        this.publisher = publisher;
        this.clock = clock;
        this.maxBodyBytes = properties.maxBodySize().toBytes();
    }

    /** The answer: which wait was resumed. Nothing else of the run: the caller holds a token, not an API key. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Resumed(String runId, String stepId, int attempt) {
    }

    @Operation(summary = "Resume a waiting wait_for_event step (its resume_url)",
            description = "The URL is in the step's output while it waits (resume_url). Any JSON body (default {}) becomes the "
                    + "step's output and the run goes on. No API key: the token in the URL is the credential. 202 once Kafka "
                    + "acknowledged the command; the executor ignores it if the wait ended meanwhile (an event, the timeout).",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = false,
                    content = @Content(mediaType = "application/json", schema = @Schema(description = "any JSON: the step's output"))))
    @SecurityRequirements
    @ApiResponse(responseCode = "202", description = "handed to the executor")
    @ApiResponse(responseCode = "400", description = "run_id or step_id is malformed, the token is missing, or the body is not JSON")
    @ApiResponse(responseCode = "403", description = "the token is not this step's")
    @ApiResponse(responseCode = "404", description = "no such run, or its step is not waiting (any more)")
    @ApiResponse(responseCode = "413", description = "the body is larger than zaps.gateway.max-body-size (1 MiB)")
    @ApiResponse(responseCode = "415", description = "the body is not application/json")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the command; nothing changed")
    @PostMapping("/hooks/runs/{run_id}/steps/{step_id}/resume")
    ResponseEntity<Resumed> resume(@PathVariable("run_id") String runIdParam, @PathVariable("step_id") String stepIdParam,
                                   @Parameter(description = "the token of the resume URL") @RequestParam(name = "token", required = false) String token,
                                   @Parameter(hidden = true) HttpServletRequest request,
                                   @Parameter(hidden = true) HttpServletResponse response) throws IOException {
        String runId = PathIds.runId("run_id", runIdParam);
        if (!Ids.isSafe(stepIdParam)) {
            throw ApiException.badRequest("step_id", "path parameter 'step_id' must match " + Ids.SAFE_ID.pattern());
        }
        if (token == null || token.isEmpty()) {
            throw ApiException.badRequest("token", "the resume URL's token is required (?token=...)");
        }
        StepState step = waitingStep(runId, stepIdParam);
        String expected = WaitForEventSpec.tokenOf(step.output().path("resume_url").asString(null));
        if (expected == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(HttpStatus.FORBIDDEN, "this token does not resume step '" + stepIdParam + "'", List.of());
        }
        JsonNode data = body(request, response);
        publisher.publish(Topics.RUN_COMMANDS, runId, new ResumeStep(SchemaVersions.CURRENT, runId, stepIdParam, step.attempt(),
                ResumeStep.Source.RESUME_URL, token, null, data, null, clock.instant()), "resume command");
        return ResponseEntity.accepted().body(new Resumed(runId, stepIdParam, step.attempt()));
    }

    /** The step as the latest snapshot has it, waiting; 404 (one answer for every reason) otherwise. */
    private StepState waitingStep(String runId, String stepId) {
        RunSnapshot run = runs.find(runId).orElse(null);
        StepState step = run == null || run.status().isFinal() ? null : run.steps().get(stepId);
        if (step == null || step.status() != StepStatus.RUNNING || !WaitForEventSpec.TYPE.equals(step.type())
                || step.output() == null || !step.output().has("resume_url")) {
            throw ApiException.notFound("step '" + stepId + "' of run '" + runId + "' is not waiting for an event");
        }
        return step;
    }

    /** The body as JSON, at most the gateway's body limit; {@code {}} when there is none. */
    private JsonNode body(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String type = request.getContentType();
        if (type != null && !type.isBlank()) {
            String mediaType = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mediaType.equals("application/json") && !mediaType.endsWith("+json")) {
                throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "body: must be application/json (was " + mediaType + ")",
                        List.of(new Violation("body", "must be application/json")));
            }
        }
        if (request.getContentLengthLong() > maxBodyBytes) {
            throw tooLarge(response);
        }
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        }
        if (bytes.length > maxBodyBytes) {
            throw tooLarge(response);
        }
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return Json.object();
        }
        try {
            return Json.mapper().readTree(bytes);
        } catch (JacksonException e) {
            throw ApiException.badRequest("body", "is not JSON: " + e.getOriginalMessage());
        }
    }

    private ApiException tooLarge(HttpServletResponse response) {
        response.setHeader(HttpHeaders.CONNECTION, "close");
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "the request body is too large (at most " + maxBodyBytes + " bytes)", List.of());
    }
}
