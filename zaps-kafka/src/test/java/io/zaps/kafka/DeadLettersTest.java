package io.zaps.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zaps.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLettersTest {
    private static String header(Headers headers, String key) {
        return headers.lastHeader(key) == null ? null : new String(headers.lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeadLetterKeepsKeyValueAndOwnHeaders_dropsEarlierDeadLetterHeaders_andIsCountedBySourceTopic() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DeadLetters deadLetters = DeadLetters.countedIn(registry);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>("zaps.triggers", 2, 41L, "k", "{bad".getBytes(StandardCharsets.UTF_8));
        record.headers().add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        record.headers().add(Topics.HEADER_DLT_REASON, "an older reason".getBytes(StandardCharsets.UTF_8));

        ProducerRecord<String, byte[]> dead = deadLetters.of(record, "x".repeat(DeadLetters.MAX_REASON_LENGTH + 10));

        assertThat(dead.topic()).isEqualTo("zaps.triggers.dlt");
        assertThat(dead.partition()).as("the key picks it; the source partition is a header").isNull();
        assertThat(dead.key()).isEqualTo("k");
        assertThat(dead.value()).isEqualTo(record.value());
        assertThat(header(dead.headers(), "traceparent")).isEqualTo("00-abc-def-01");
        assertThat(dead.headers().headers(Topics.HEADER_DLT_REASON)).hasSize(1);
        assertThat(header(dead.headers(), Topics.HEADER_DLT_REASON)).hasSize(DeadLetters.MAX_REASON_LENGTH);
        assertThat(header(dead.headers(), Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo("zaps.triggers");
        assertThat(header(dead.headers(), Topics.HEADER_DLT_SOURCE_PARTITION)).isEqualTo("2");
        assertThat(header(dead.headers(), Topics.HEADER_DLT_SOURCE_OFFSET)).isEqualTo("41");
        assertThat(registry.find(DeadLetters.METER).tag("topic", "zaps.triggers").counter().count()).isEqualTo(1);
    }

    @Test
    void withoutASourceRecordOnlyTheReason() {
        Headers headers = DeadLetters.headers(List.of(), "timer could not fire", null, 0, 0);

        assertThat(header(headers, Topics.HEADER_DLT_REASON)).isEqualTo("timer could not fire");
        assertThat(headers.lastHeader(Topics.HEADER_DLT_SOURCE_TOPIC)).isNull();
        DeadLetters.uncounted().count("anything"); // counts nowhere, fails nothing
        assertThat(DeadLetters.headers(new RecordHeaders(), null, "t", 0, 0).lastHeader(Topics.HEADER_DLT_REASON)).isNotNull();
    }
}
