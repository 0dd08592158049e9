package io.zaps.trigger.intake;

import io.zaps.contract.Ids;

/**
 * Where a trigger record sits in the log. Unique per record, so it identifies a trigger that was
 * produced without an {@code event_id}: re-reading the same record yields the same run id.
 */
public record RecordCoordinates(String topic, int partition, long offset) {

    /** The event id of a record produced without one. */
    public String eventId() {
        return Ids.eventIdForRecord(topic, partition, offset);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
