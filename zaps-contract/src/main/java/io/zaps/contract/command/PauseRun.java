package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Pause a running run: no new step or attempt starts until {@link ResumeRun}; results of attempts in flight are still recorded, and a delay or retry that falls due meanwhile is acted on at resume.
 * Sent by the gateway ({@code POST /api/runs/{run_id}/pause}) or anyone else, keyed by run id. The executor
 * ignores it (and says why) when the run's status does not allow it.
 *
 * @param requestedAt when it was asked for
 * @param reason      why, as told by whoever asked (shown nowhere but the log and the record), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PauseRun(int schemaVersion, String runId, Instant requestedAt,
                 @JsonInclude(JsonInclude.Include.NON_NULL) String reason) implements RunCommand, RunControl {
    public static final String TYPE = "pause_run";
}
