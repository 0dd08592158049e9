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
        @JsonSubTypes.Type(value = FireTimer.class, name = FireTimer.TYPE)
})
public sealed interface RunCommand permits StartRun, CompleteStep, FireTimer {
    /** The run this command is about; also the record key. */
    String runId();

    int schemaVersion();
}
