package io.zaps.contract.workflow;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a workflow accepts new triggers. Runs already started finish either way. */
public enum WorkflowStatus {
    @JsonProperty("active") ACTIVE,
    @JsonProperty("paused") PAUSED,
    @JsonProperty("disabled") DISABLED;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
