package io.zaps.gateway.run;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.web.ApiException;
import io.zaps.gateway.web.PathIds;
import io.zaps.kafka.RecordPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Run control: each endpoint checks the transition against the latest snapshot (409 when the run's
 * status does not allow it), then hands the command to the executor on {@link Topics#RUN_COMMANDS},
 * keyed by run id, and answers 202 with the snapshot as it is now; the change shows in later snapshots.
 * The executor checks again against its own state, which may be newer, and ignores what no longer fits.
 */
@Tag(name = "runs", description = "Triggering workflows and reading their runs")
@RestController
class RunControlController {
    private final AcceptedRuns runs;
    private final RecordPublisher publisher;
    private final Clock clock;
    private final long publishTimeoutMs;
    private final java.time.Duration retryWindow;

    RunControlController(AcceptedRuns runs, RecordPublisher publisher, Clock clock, GatewayProperties properties) {
        this.runs = runs;
        this.publisher = publisher;
        this.clock = clock;
        this.publishTimeoutMs = properties.triggerPublishTimeout().toMillis();
        this.retryWindow = properties.retryWindow();
    }

    @Operation(summary = "Cancel a pending, running or paused run", description = "409 if the run already ended.")
    @ApiResponse(responseCode = "202", description = "the command was handed to the executor; the body is the run's snapshot as it is now")
    @ApiResponse(responseCode = "400", description = "run_id is not a lower-case UUID")
    @ApiResponse(responseCode = "404", description = "no run with this id")
    @ApiResponse(responseCode = "409", description = "the run's status does not allow this (run_status gives it)")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the command; nothing changed")
    @PostMapping("/api/runs/{run_id}/cancel")
    ResponseEntity<RunSnapshot> cancel(@PathVariable("run_id") String runId) {
        return control(runId, "cancel", Set.of(RunStatus.PENDING, RunStatus.RUNNING, RunStatus.PAUSED),
                (id, now) -> new CancelRun(SchemaVersions.CURRENT, id, now, "requested through the API"));
    }

    @Operation(summary = "Pause a running run", description = "No new step or attempt starts until resume. 409 unless running.")
    @ApiResponse(responseCode = "202", description = "the command was handed to the executor; the body is the run's snapshot as it is now")
    @ApiResponse(responseCode = "400", description = "run_id is not a lower-case UUID")
    @ApiResponse(responseCode = "404", description = "no run with this id")
    @ApiResponse(responseCode = "409", description = "the run's status does not allow this (run_status gives it)")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the command; nothing changed")
    @PostMapping("/api/runs/{run_id}/pause")
    ResponseEntity<RunSnapshot> pause(@PathVariable("run_id") String runId) {
        return control(runId, "pause", Set.of(RunStatus.RUNNING),
                (id, now) -> new PauseRun(SchemaVersions.CURRENT, id, now, null));
    }

    @Operation(summary = "Resume a paused run", description = "What fell due while paused starts now. 409 unless paused.")
    @ApiResponse(responseCode = "202", description = "the command was handed to the executor; the body is the run's snapshot as it is now")
    @ApiResponse(responseCode = "400", description = "run_id is not a lower-case UUID")
    @ApiResponse(responseCode = "404", description = "no run with this id")
    @ApiResponse(responseCode = "409", description = "the run's status does not allow this (run_status gives it)")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the command; nothing changed")
    @PostMapping("/api/runs/{run_id}/resume")
    ResponseEntity<RunSnapshot> resume(@PathVariable("run_id") String runId) {
        return control(runId, "resume", Set.of(RunStatus.PAUSED),
                (id, now) -> new ResumeRun(SchemaVersions.CURRENT, id, now, null));
    }

    @Operation(summary = "Retry a failed run from its failed step",
            description = "Earlier steps' outputs are kept; same run id, new attempt numbers. 409 unless the run failed at a step.")
    @ApiResponse(responseCode = "202", description = "the command was handed to the executor; the body is the run's snapshot as it is now")
    @ApiResponse(responseCode = "400", description = "run_id is not a lower-case UUID")
    @ApiResponse(responseCode = "404", description = "no run with this id")
    @ApiResponse(responseCode = "409", description = "the run's status does not allow this (run_status gives it)")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the command; nothing changed")
    @PostMapping("/api/runs/{run_id}/retry")
    ResponseEntity<RunSnapshot> retry(@PathVariable("run_id") String runId) {
        return control(runId, "retry", Set.of(RunStatus.FAILED),
                (id, now) -> new RetryRun(SchemaVersions.CURRENT, id, now, null));
    }

    private ResponseEntity<RunSnapshot> control(String runIdParam, String action, Set<RunStatus> allowed,
                                                BiFunction<String, Instant, RunCommand> command) {
        String runId = PathIds.runId("run_id", runIdParam);
        RunSnapshot run = runs.find(runId).orElseThrow(() -> ApiException.notFound("run '" + runId + "' does not exist"));
        RunStatus status = run.status();
        if (!allowed.contains(status)) {
            throw ApiException.conflict("cannot " + action + " run '" + runId + "': it is " + status.wireName())
                    .with("run_status", status.wireName());
        }
        if ("retry".equals(action) && !failedAtAStep(run)) {
            // Rejected before it ran (unknown or inactive workflow) or its definition could not run: nothing to retry.
            throw ApiException.conflict("cannot retry run '" + runId + "': it failed before any step ran (" + run.error() + ")")
                    .with("run_status", status.wireName());
        }
        Instant now = clock.instant();
        if ("retry".equals(action) && run.completedAt() != null && run.completedAt().plus(retryWindow).isBefore(now)) {
            // The executor no longer holds what a retry resumes from; it would ignore the command.
            throw ApiException.conflict("cannot retry run '" + runId + "': it failed at " + run.completedAt()
                            + ", longer ago than the retry window (" + retryWindow.toDays() + " days, zaps.gateway.retry-window)")
                    .with("run_status", status.wireName());
        }
        try {
            publisher.sendAndWait(Topics.RUN_COMMANDS, runId, command.apply(runId, now), publishTimeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                    "the " + action + " command could not be handed to Kafka, nothing changed: " + e.getMessage(), List.of())
                    .with("run_id", runId);
        }
        return ResponseEntity.accepted().body(run);
    }

    private static boolean failedAtAStep(RunSnapshot run) {
        StepState step = run.currentStepId() == null ? null : run.steps().get(run.currentStepId());
        return step != null && step.status() == StepStatus.FAILED;
    }
}
