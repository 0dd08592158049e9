package io.zaps.contract.command;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A change to the executor's event subscriptions, on {@link io.zaps.contract.Topics#EVENT_SUBSCRIPTIONS}
 * keyed by the correlation {@link #key()}, so that it lands on the partition where events with that key
 * ({@link io.zaps.contract.Topics#EVENTS}) are correlated. Internal to the executor: it produces and
 * consumes them. The JSON carries {@code "type"} and {@code "schema_version"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Subscribe.class, name = Subscribe.TYPE),
        @JsonSubTypes.Type(value = Unsubscribe.class, name = Unsubscribe.TYPE)
})
public sealed interface SubscriptionCommand permits Subscribe, Unsubscribe {
    int schemaVersion();

    /** The correlation key; also the record key. */
    String key();

    String runId();

    String stepId();

    int attempt();
}
