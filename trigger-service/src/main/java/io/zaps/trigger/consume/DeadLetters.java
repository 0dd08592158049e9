package io.zaps.trigger.consume;

import io.zaps.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Dead-letter records in the same shape as zaps-kafka's error handler writes them: original key,
 * value and headers, plus {@link Topics#HEADER_DLT_REASON} and the source topic, partition and
 * offset. Published by the listener itself so that one bad record does not interrupt its batch.
 */
final class DeadLetters {
    private static final int MAX_REASON_LENGTH = 2000;

    private DeadLetters() {}

    static ProducerRecord<String, byte[]> of(ConsumerRecord<String, byte[]> record, String reason) {
        Headers headers = new RecordHeaders();
        for (Header header : record.headers()) {
            if (!header.key().startsWith("zaps-dlt-")) {
                headers.add(header);
            }
        }
        String shortReason = reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
        headers.add(Topics.HEADER_DLT_REASON, utf8(shortReason));
        headers.add(Topics.HEADER_DLT_SOURCE_TOPIC, utf8(record.topic()));
        headers.add(Topics.HEADER_DLT_SOURCE_PARTITION, utf8(Integer.toString(record.partition())));
        headers.add(Topics.HEADER_DLT_SOURCE_OFFSET, utf8(Long.toString(record.offset())));
        // No explicit partition: the key (if any) picks it, and the source partition travels in a header,
        // so a dead-letter topic with fewer partitions than its source still works.
        return new ProducerRecord<>(Topics.deadLetter(record.topic()), null, record.key(), record.value(), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
