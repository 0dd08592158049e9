package io.zaps.contract.trigger;

/**
 * {@code {"type": "kafka", "topic": "orders"}}: every record on an existing topic that other systems write starts a
 * run with context {@code {"key", "value", "headers", "topic", "partition", "offset", "timestamp"}} ({@code value}
 * parsed as JSON when it is JSON, else the string). The run id derives from the record's position
 * ({@link #eventId}), so a redelivery never starts a second run.
 *
 * @param topic     the topic; Zaps' own {@code zaps.*} topics are not allowed
 * @param startFrom where a workflow starts reading a topic it has not read before: {@code latest} (default; only
 *                  records written after the subscription) or {@code earliest}
 */
public record KafkaTrigger(String topic, String startFrom) implements TriggerSpec {
    public static final String TYPE = "kafka";
    public static final String START_LATEST = "latest";
    public static final String START_EARLIEST = "earliest";

    @Override
    public String type() {
        return TYPE;
    }

    /** The event id of the run one record starts for one workflow. */
    public static String eventId(String workflowId, String topic, int partition, long offset) {
        return io.zaps.contract.Ids.boundedEventId("kafka-trigger:" + workflowId + ":" + topic + ":" + partition + ":" + offset);
    }
}
