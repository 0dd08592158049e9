package io.zaps.kafka;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.zaps.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * The one shape of a Zaps dead letter, and its count. A record that cannot be processed goes to
 * {@code <topic>.dlt} with its original key, value and headers (less any {@code zaps-dlt-*} header of an earlier
 * dead-lettering), plus {@link Topics#HEADER_DLT_REASON} and, when there is a source record, its topic, partition
 * and offset. Every writer of dead letters counts each one here as {@code zaps_dead_letters_total{topic}}, by the
 * topic the record came from: the shared error handler ({@link ZapsKafkaAutoConfiguration}), the trigger service's
 * listeners and the executor's processors, which write their own so that one bad record does not interrupt a batch
 * or a transaction.
 *
 * <p>Only Kafka's client classes and Micrometer: the executor (Kafka Streams, no Spring Kafka) uses it too.
 */
public final class DeadLetters {
    /** The meter, {@code zaps_dead_letters_total} in the Prometheus format. */
    public static final String METER = "zaps.dead.letters";
    /** The longest reason a dead letter carries. */
    public static final int MAX_REASON_LENGTH = 2000;
    private static final String DLT_HEADER_PREFIX = "zaps-dlt-";

    private final MeterRegistry registry;

    private DeadLetters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Dead letters counted in {@code registry}. */
    public static DeadLetters countedIn(MeterRegistry registry) {
        return new DeadLetters(registry);
    }

    /** Dead letters counted nowhere (tests, a service without metrics). */
    public static DeadLetters uncounted() {
        return new DeadLetters(new CompositeMeterRegistry());
    }

    /** Counts one dead letter of a record from {@code sourceTopic}. */
    public void count(String sourceTopic) {
        Counter.builder(METER).description("Records sent to <topic>.dlt, by source topic")
                .tag("topic", sourceTopic == null ? "unknown" : sourceTopic).register(registry).increment();
    }

    /**
     * The dead letter of {@code record} on {@code <source topic>.dlt} (counted): no explicit partition, the key picks it and
     * the source partition travels in a header, so a dead-letter topic with fewer partitions than its source still works.
     */
    public ProducerRecord<String, byte[]> of(ConsumerRecord<String, byte[]> record, String reason) {
        return of(record, record.key(), Topics.deadLetter(record.topic()), reason, new RecordHeaders());
    }

    /**
     * The dead letter of {@code record} under {@code key} on {@code dltTopic} (counted by the record's topic), with
     * {@code extra} headers after the standard ones.
     */
    public ProducerRecord<String, byte[]> of(ConsumerRecord<?, byte[]> record, String key, String dltTopic, String reason, Headers extra) {
        Headers headers = headers(record.headers(), reason, record.topic(), record.partition(), record.offset());
        extra.forEach(headers::add);
        count(record.topic());
        return new ProducerRecord<>(dltTopic, null, key, record.value(), headers);
    }

    /**
     * A dead letter's headers: {@code original} without earlier {@code zaps-dlt-*} headers, the reason (shortened to
     * {@link #MAX_REASON_LENGTH}) and, when {@code sourceTopic} is not null, the source topic, partition and offset.
     */
    public static Headers headers(Iterable<Header> original, String reason, String sourceTopic, int partition, long offset) {
        Headers headers = new RecordHeaders();
        for (Header header : original) {
            if (!header.key().startsWith(DLT_HEADER_PREFIX)) {
                headers.add(header);
            }
        }
        headers.add(Topics.HEADER_DLT_REASON, utf8(shortened(reason)));
        if (sourceTopic != null) {
            headers.add(Topics.HEADER_DLT_SOURCE_TOPIC, utf8(sourceTopic));
            headers.add(Topics.HEADER_DLT_SOURCE_PARTITION, utf8(Integer.toString(partition)));
            headers.add(Topics.HEADER_DLT_SOURCE_OFFSET, utf8(Long.toString(offset)));
        }
        return headers;
    }

    /** {@code reason} cut to {@link #MAX_REASON_LENGTH} characters. */
    public static String shortened(String reason) {
        String text = reason == null ? "unknown" : reason;
        return text.length() > MAX_REASON_LENGTH ? text.substring(0, MAX_REASON_LENGTH) : text;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
