package io.zaps.contract.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.zaps.contract.Ids;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.step.WaitForEventSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/**
 * Something happened that runs may be waiting for: on {@link io.zaps.contract.Topics#EVENTS}, keyed by its
 * correlation {@code key}. Every run whose {@code wait_for_event} step waits on that key when the executor
 * reads the record resumes with {@code data} as the step's output. Produced by the gateway
 * ({@code POST /api/events}) or any outside program; the smallest valid record is
 * {@code {"key": "A-1"}} keyed {@code A-1} ({@code type} defaults to {@value #TYPE}, {@code schema_version}
 * to 1, {@code data} to {@code {}}). Events are not kept: one that finds no run waiting is dropped.
 *
 * @param key         the correlation key (1 to 256 characters, no control characters); may be left out
 *                    when the record key is it, must equal the record key otherwise
 * @param data        what the resumed steps output; any JSON, default {@code {}}
 * @param eventId     the producer's id of the event, passed on for tracing, or null
 * @param publishedAt when it was published, or null
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CorrelationEvent(
        @JsonInclude(JsonInclude.Include.NON_NULL) String type,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer schemaVersion,
        String key,
        JsonNode data,
        @JsonInclude(JsonInclude.Include.NON_NULL) String eventId,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant publishedAt) {
    public static final String TYPE = "event";

    public static CorrelationEvent of(String key, JsonNode data, String eventId, Instant publishedAt) {
        return new CorrelationEvent(TYPE, SchemaVersions.CURRENT, key, data, eventId, publishedAt);
    }

    /**
     * Checks the record read with {@code recordKey}; returns it with {@code key} set. Throws
     * {@link MalformedRecordException} naming what is wrong.
     */
    public CorrelationEvent validated(String recordKey) {
        if (type != null && !TYPE.equals(type)) {
            throw new MalformedRecordException("unknown record type '" + type + "' on the events topic (expected '" + TYPE + "')");
        }
        SchemaVersions.check(schemaVersion == null ? 1 : schemaVersion, TYPE);
        String correlation = key == null ? recordKey : key;
        String problem = WaitForEventSpec.keyProblem(correlation);
        if (problem != null) {
            throw new MalformedRecordException("key " + problem);
        }
        if (!correlation.equals(recordKey)) {
            // Keyed otherwise, it may land on a partition where nobody waits for it.
            throw new MalformedRecordException("the record must be keyed by its correlation key '" + correlation
                    + "' (was " + (recordKey == null ? "no key" : "'" + recordKey + "'") + ")");
        }
        if (eventId != null && (eventId.isBlank() || eventId.length() > Ids.MAX_EVENT_ID)) {
            throw new MalformedRecordException("event_id must be 1 to " + Ids.MAX_EVENT_ID + " characters");
        }
        return new CorrelationEvent(type, schemaVersion, correlation, data, eventId, publishedAt);
    }

    /** The output a resumed step gets: {@code data}, or {@code {}} without it. */
    public JsonNode dataOrEmpty() {
        return data == null || data.isNull() || data.isMissingNode() ? io.zaps.contract.Json.object() : data;
    }
}
