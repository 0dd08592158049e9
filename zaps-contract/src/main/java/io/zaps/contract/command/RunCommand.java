package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A command to the executor on {@link io.zaps.contract.Topics#RUN_COMMANDS}, keyed by run id.
 * The JSON carries {@code "type"} (the discriminator) and {@code "schema_version"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = StartRun.class, name = StartRun.TYPE),
        @JsonSubTypes.Type(value = CompleteStep.class, name = CompleteStep.TYPE),
        @JsonSubTypes.Type(value = FireTimer.class, name = FireTimer.TYPE),
        @JsonSubTypes.Type(value = CancelRun.class, name = CancelRun.TYPE),
        @JsonSubTypes.Type(value = PauseRun.class, name = PauseRun.TYPE),
        @JsonSubTypes.Type(value = ResumeRun.class, name = ResumeRun.TYPE),
        @JsonSubTypes.Type(value = RetryRun.class, name = RetryRun.TYPE),
        @JsonSubTypes.Type(value = ChildRunEnded.class, name = ChildRunEnded.TYPE),
        @JsonSubTypes.Type(value = ResumeStep.class, name = ResumeStep.TYPE)
})
public sealed interface RunCommand permits StartRun, CompleteStep, FireTimer, CancelRun, PauseRun, ResumeRun, RetryRun,
        ChildRunEnded, ResumeStep {
    /** The run this command is about; also the record key. */
    String runId();

    int schemaVersion();
}
