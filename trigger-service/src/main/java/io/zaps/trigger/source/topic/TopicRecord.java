package io.zaps.trigger.source.topic;

import java.util.List;

/**
 * One record of a user topic as the decision sees it (no Kafka types, so that {@link TopicRecordMapper} stays pure).
 *
 * @param topic     where it was read
 * @param partition its partition
 * @param offset    its offset
 * @param timestamp its timestamp (epoch millis), or a negative number when it has none
 * @param key       its key bytes, or null
 * @param value     its value bytes, or null
 * @param headers   its headers in order (a name may repeat)
 */
public record TopicRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public TopicRecord {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A record header; {@code value} may be null. */
    public record Header(String name, byte[] value) {
    }

    /** Key, value and headers together, in bytes. */
    public long size() {
        long size = (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header header : headers) {
            size += header.name().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }
}
