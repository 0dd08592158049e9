package io.zaps.contract.event;

import io.zaps.contract.run.RunSnapshot;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * A change of a run, on {@link io.zaps.contract.Topics#RUN_EVENTS}, keyed by run id. Each event
 * carries the whole snapshot after the change, so the topic (compacted) alone rebuilds the JSON
 * file store, and a projector keeps a snapshot only if its {@code revision} is higher.
 *
 * @param type       what happened
 * @param stepId     the step concerned, for step events
 * @param occurredAt when it happened
 * @param run        the snapshot after the change
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunEvent(
        RunEventType type,
        int schemaVersion,
        String runId,
        String stepId,
        Instant occurredAt,
        RunSnapshot run) {
}
