package io.zaps.trigger.source.topic;

import io.zaps.contract.Ids;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.trigger.KafkaTrigger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TopicRecordMapperTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final long TIMESTAMP = Instant.parse("2026-01-02T03:04:00.123Z").toEpochMilli();

    private final TopicRecordMapper mapper = new TopicRecordMapper(4096);

    @Test
    void json_record_becomes_a_trigger_whose_run_id_derives_from_its_position() {
        TopicRecord record = new TopicRecord("orders", 2, 41, TIMESTAMP, utf8("order-42"),
                utf8("{\"order_id\": 42, \"items\": [\"a\", \"b\"]}"),
                List.of(new TopicRecord.Header("trace", utf8("abc")), new TopicRecord.Header("tenant", utf8("t1"))));

        TopicTriggerDecision.Start start = started(record);

        TriggerRequested trigger = start.trigger();
        String eventId = KafkaTrigger.eventId("order_flow", "orders", 2, 41);
        assertThat(trigger.eventId()).isEqualTo(eventId).isEqualTo("kafka-trigger:order_flow:orders:2:41");
        assertThat(start.key()).isEqualTo(Ids.runIdForEvent(eventId));
        assertThat(trigger.runId()).isNull();
        assertThat(trigger.workflowId()).isEqualTo("order_flow");
        assertThat(trigger.source()).isEqualTo("kafka");
        assertThat(trigger.requestedAt()).isEqualTo(NOW);
        assertThat(trigger.validated()).isSameAs(trigger);
        JsonNode context = trigger.context();
        assertThat(context.get("key").asString()).isEqualTo("order-42");
        assertThat(context.get("value").get("order_id").asInt()).isEqualTo(42);
        assertThat(context.get("value").get("items").get(1).asString()).isEqualTo("b");
        assertThat(context.get("headers").get("trace").asString()).isEqualTo("abc");
        assertThat(context.get("headers").get("tenant").asString()).isEqualTo("t1");
        assertThat(context.get("topic").asString()).isEqualTo("orders");
        assertThat(context.get("partition").asInt()).isEqualTo(2);
        assertThat(context.get("offset").asLong()).isEqualTo(41);
        assertThat(context.get("timestamp").asString()).isEqualTo("2026-01-02T03:04:00.123Z");
    }

    @Test
    void the_same_record_read_again_gives_the_same_trigger() {
        TopicRecord record = new TopicRecord("orders", 0, 7, TIMESTAMP, null, utf8("{}"), List.of());

        assertThat(started(record)).isEqualTo(started(record));
        assertThat(started(record).key()).isNotEqualTo(started(new TopicRecord("orders", 0, 8, TIMESTAMP, null, utf8("{}"), List.of())).key());
    }

    @Test
    void value_that_is_not_json_is_kept_as_a_string() {
        for (String text : List.of("hello world", "{broken", "42 apples", "")) {
            JsonNode value = started(new TopicRecord("orders", 0, 1, TIMESTAMP, null, utf8(text), List.of())).trigger().context().get("value");

            assertThat(value.isString()).as(text).isTrue();
            assertThat(value.asString()).isEqualTo(text);
        }
    }

    @Test
    void json_scalars_stay_json() {
        assertThat(value("42").isNumber()).isTrue();
        assertThat(value("\"quoted\"").asString()).isEqualTo("quoted");
        assertThat(value("true").asBoolean()).isTrue();
        assertThat(value("[1,2]").isArray()).isTrue();
    }

    @Test
    void missing_key_value_timestamp_and_header_values_are_null_and_a_repeated_header_keeps_its_last_value() {
        TopicRecord record = new TopicRecord("orders", 0, 1, -1, null, null, List.of(
                new TopicRecord.Header("a", utf8("1")), new TopicRecord.Header("a", utf8("2")), new TopicRecord.Header("empty", null)));

        JsonNode context = started(record).trigger().context();

        assertThat(context.get("key").isNull()).isTrue();
        assertThat(context.get("value").isNull()).isTrue();
        assertThat(context.get("timestamp").isNull()).isTrue();
        assertThat(context.get("headers").get("a").asString()).isEqualTo("2");
        assertThat(context.get("headers").get("empty").isNull()).isTrue();
    }

    @Test
    void bytes_that_are_not_utf8_become_a_string_with_replacement_characters() {
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 'a'};

        JsonNode value = started(new TopicRecord("orders", 0, 1, TIMESTAMP, binary, binary, List.of())).trigger().context().get("value");

        assertThat(value.asString()).isEqualTo("\uFFFD\uFFFDa");
    }

    @Test
    void record_over_the_cap_is_dead_lettered_with_the_reason() {
        byte[] big = new byte[4000];
        Arrays.fill(big, (byte) 'x');
        TopicRecord record = new TopicRecord("orders", 1, 9, TIMESTAMP, utf8("k"), big,
                List.of(new TopicRecord.Header("h", new byte[100])));

        TopicTriggerDecision decision = mapper.decide("order_flow", record, NOW);

        assertThat(decision).isInstanceOfSatisfying(TopicTriggerDecision.DeadLetter.class, d -> assertThat(d.reason())
                .contains("4102 bytes", "limit of 4096 bytes", "zaps.trigger.topic-max-record-bytes", "order_flow"));
    }

    @Test
    void record_under_the_cap_whose_json_encoding_is_over_it_is_dead_lettered() {
        byte[] controls = new byte[1000];
        Arrays.fill(controls, (byte) 1); // each becomes "\u0001" in JSON: six times the size

        TopicTriggerDecision decision = mapper.decide("order_flow", new TopicRecord("orders", 1, 9, TIMESTAMP, null, controls, List.of()), NOW);

        assertThat(decision).isInstanceOfSatisfying(TopicTriggerDecision.DeadLetter.class,
                d -> assertThat(d.reason()).contains("once encoded as JSON", "limit of 4096 bytes"));
    }

    @Test
    void a_topic_name_too_long_for_a_readable_event_id_still_starts_a_run_under_a_digest_id() {
        String topic = "t".repeat(240);

        TopicTriggerDecision.Start first = started(new TopicRecord(topic, 0, 1, TIMESTAMP, null, utf8("{}"), List.of()));
        TopicTriggerDecision.Start second = started(new TopicRecord(topic, 0, 2, TIMESTAMP, null, utf8("{}"), List.of()));

        assertThat(first.trigger().eventId()).startsWith("sha256:").hasSizeLessThanOrEqualTo(io.zaps.contract.Ids.MAX_EVENT_ID)
                .isNotEqualTo(second.trigger().eventId());
        assertThat(first.trigger().validated()).isNotNull();
    }

    private JsonNode value(String json) {
        return started(new TopicRecord("orders", 0, 1, TIMESTAMP, null, utf8(json), List.of())).trigger().context().get("value");
    }

    private TopicTriggerDecision.Start started(TopicRecord record) {
        TopicTriggerDecision decision = mapper.decide("order_flow", record, NOW);
        assertThat(decision).isInstanceOf(TopicTriggerDecision.Start.class);
        return (TopicTriggerDecision.Start) decision;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
