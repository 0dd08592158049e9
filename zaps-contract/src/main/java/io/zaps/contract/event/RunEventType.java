package io.zaps.contract.event;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happened to a run. */
public enum RunEventType {
    @JsonProperty("run_started") RUN_STARTED,
    @JsonProperty("step_started") STEP_STARTED,
    @JsonProperty("step_succeeded") STEP_SUCCEEDED,
    @JsonProperty("step_failed") STEP_FAILED,
    /** An attempt failed (retryably) or timed out, and the step's next attempt is due at its {@code next_attempt_at}. */
    @JsonProperty("step_retry_scheduled") STEP_RETRY_SCHEDULED,
    /** The executor stopped waiting for the current attempt of a step (its {@code timeout_seconds} passed). */
    @JsonProperty("step_timed_out") STEP_TIMED_OUT,
    /** A result arrived for an attempt that had already timed out: recorded on that attempt, otherwise ignored. */
    @JsonProperty("step_late_result") STEP_LATE_RESULT,
    @JsonProperty("run_completed") RUN_COMPLETED,
    @JsonProperty("run_failed") RUN_FAILED,
    /** The run was cancelled ({@code cancel_run}); it is final. */
    @JsonProperty("run_cancelled") RUN_CANCELLED,
    /** The run was paused ({@code pause_run}): no new step or attempt starts. */
    @JsonProperty("run_paused") RUN_PAUSED,
    /** A paused run runs again ({@code resume_run}). */
    @JsonProperty("run_resumed") RUN_RESUMED,
    /** A failed run runs again from its failed step ({@code retry_run}). */
    @JsonProperty("run_retried") RUN_RETRIED,
    /** The trigger service refused to start the run (unknown or inactive workflow). */
    @JsonProperty("run_rejected") RUN_REJECTED;

    /** The name on the wire ({@code run_started}, ...), also the value of {@link io.zaps.contract.Topics#HEADER_EVENT_TYPE}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
