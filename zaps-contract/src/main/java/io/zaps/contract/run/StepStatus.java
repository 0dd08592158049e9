package io.zaps.contract.run;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The status of one step within a run. */
public enum StepStatus {
    @JsonProperty("pending") PENDING,
    @JsonProperty("running") RUNNING,
    @JsonProperty("completed") COMPLETED,
    @JsonProperty("failed") FAILED,
    @JsonProperty("skipped") SKIPPED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
