package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Stop a pending, running or paused run: it becomes {@code cancelled} (final); results of attempts still in flight and timers still pending are ignored.
 * Sent by the gateway ({@code POST /api/runs/{run_id}/cancel}) or anyone else, keyed by run id. The executor
 * ignores it (and says why) when the run's status does not allow it.
 *
 * @param requestedAt when it was asked for
 * @param reason      why, as told by whoever asked (shown nowhere but the log and the record), or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CancelRun(int schemaVersion, String runId, Instant requestedAt,
                 @JsonInclude(JsonInclude.Include.NON_NULL) String reason) implements RunCommand, RunControl {
    public static final String TYPE = "cancel_run";
}
