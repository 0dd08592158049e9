package io.zaps.trigger.source.topic;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.trigger.KafkaTrigger;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Turns one record of a user topic into the trigger of one workflow's run. Pure: no I/O, the time is passed in.
 *
 * <p>The run's context is {@code {"key", "value", "headers", "topic", "partition", "offset", "timestamp"}}: {@code key}
 * as a string (null when absent), {@code value} parsed as JSON when it is JSON, else the string (null when absent),
 * {@code headers} an object of string values (a repeated name keeps its last value), {@code timestamp} ISO-8601. Bytes
 * that are not UTF-8 are decoded with replacement characters. The event id is {@link KafkaTrigger#eventId}: the same
 * record read again (a redelivery, another instance) gives the same run id.
 *
 * <p>A record bigger than {@code maxBytes} (key, value and headers; or its trigger record once encoded) is not a run
 * context: it is dead-lettered with the reason.
 */
public final class TopicRecordMapper {
    /** The source of the triggers it makes. */
    public static final String SOURCE = "kafka";
    private final int maxBytes;

    /** @param maxBytes the cap ({@code zaps.trigger.topic-max-record-bytes}) */
    public TopicRecordMapper(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    public TopicTriggerDecision decide(String workflowId, TopicRecord record, Instant now) {
        long size = record.size();
        if (size > maxBytes) {
            return new TopicTriggerDecision.DeadLetter("record of " + size + " bytes (key, value and headers) is over the limit of "
                    + maxBytes + " bytes for a run context (zaps.trigger.topic-max-record-bytes); workflow '" + workflowId + "'");
        }
        // Always within the event id limit: long topic names give a digest (Ids.boundedEventId).
        String eventId = KafkaTrigger.eventId(workflowId, record.topic(), record.partition(), record.offset());
        ObjectNode context = Json.object();
        context.put("key", record.key() == null ? null : string(record.key()));
        context.set("value", record.value() == null ? null : value(record.value()));
        ObjectNode headers = context.putObject("headers");
        for (TopicRecord.Header header : record.headers()) {
            headers.put(header.name(), header.value() == null ? null : string(header.value()));
        }
        context.put("topic", record.topic());
        context.put("partition", record.partition());
        context.put("offset", record.offset());
        context.put("timestamp", record.timestamp() < 0 ? null : Instant.ofEpochMilli(record.timestamp()).toString());
        TriggerRequested trigger = TriggerRequested.of(eventId, null, workflowId, context, SOURCE, now);
        int encoded = Json.toBytes(trigger).length;
        if (encoded > maxBytes) {
            return new TopicTriggerDecision.DeadLetter("trigger of " + encoded + " bytes once encoded as JSON is over the limit of "
                    + maxBytes + " bytes for a run context (zaps.trigger.topic-max-record-bytes); workflow '" + workflowId + "'");
        }
        return new TopicTriggerDecision.Start(Ids.runIdForEvent(eventId), trigger);
    }

    /** The value as JSON when it is a JSON document, else as a string. */
    static JsonNode value(byte[] bytes) {
        String text = string(bytes);
        if (isUtf8(bytes)) {
            try {
                JsonNode parsed = Json.mapper().readTree(text);
                if (parsed != null && !parsed.isMissingNode()) {
                    return parsed;
                }
            } catch (JacksonException e) {
                // not JSON: the string it is
            }
        }
        return Json.mapper().getNodeFactory().stringNode(text);
    }

    private static String string(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
