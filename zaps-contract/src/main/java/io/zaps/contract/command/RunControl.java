package io.zaps.contract.command;

import java.time.Instant;

/**
 * A command that changes a whole run's status rather than one step's: {@link CancelRun},
 * {@link PauseRun}, {@link ResumeRun}, {@link RetryRun}. They all carry the same fields.
 */
public sealed interface RunControl permits CancelRun, PauseRun, ResumeRun, RetryRun {
    /** The run concerned; also the record key. */
    String runId();

    /** When it was asked for. */
    Instant requestedAt();

    /** Why, or null. */
    String reason();
}
