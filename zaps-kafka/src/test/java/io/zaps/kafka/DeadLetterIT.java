package io.zaps.kafka;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.kafka.test.utils.KafkaTestUtils;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The shared dead-letter policy, on a real KRaft broker: bad records go aside with their reason, the consumer keeps going. */
@SpringBootTest(properties = {
        "spring.kafka.bootstrap-servers=${spring.embedded.kafka.brokers}",
        "spring.kafka.consumer.group-id=dlt-test",
        "spring.kafka.consumer.auto-offset-reset=earliest",
        "spring.kafka.consumer.key-deserializer=org.apache.kafka.common.serialization.StringDeserializer",
        "spring.kafka.consumer.value-deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
        "spring.kafka.producer.key-serializer=org.apache.kafka.common.serialization.StringSerializer",
        "spring.kafka.producer.value-serializer=org.apache.kafka.common.serialization.ByteArraySerializer",
        "zaps.kafka.partitions=1",
        "zaps.kafka.retry-attempts=2",
        "zaps.kafka.retry-backoff-ms=10"})
@EmbeddedKafka(partitions = 1) // spring-kafka 4: always a KRaft broker
class DeadLetterIT {
    @SpringBootApplication
    static class App {
        @Component
        static class Listener {
            final List<String> accepted = new CopyOnWriteArrayList<>();
            final AtomicInteger flakyCalls = new AtomicInteger();

            @KafkaListener(topics = Topics.TRIGGERS)
            void on(ConsumerRecord<String, byte[]> record) {
                if ("flaky".equals(record.key()) && flakyCalls.incrementAndGet() < 2) {
                    throw new IllegalStateException("transient trouble");
                }
                if ("always-broken".equals(record.key())) {
                    throw new IllegalStateException("downstream is down");
                }
                accepted.add(Json.read(record.value(), TriggerRequested.class).validated().workflowId());
            }
        }
    }

    @Autowired KafkaTemplate<String, byte[]> template;
    @Autowired App.Listener listener;
    @Autowired EmbeddedKafkaBroker broker;

    @Test
    void badRecordsAreDeadLetteredWithReasonAndSourceAndTheConsumerKeepsGoing() throws Exception {
        template.send(new ProducerRecord<>(Topics.TRIGGERS, "bad-json", "{oops".getBytes(StandardCharsets.UTF_8))).get();
        template.send(new ProducerRecord<>(Topics.TRIGGERS, "no-workflow", "{}".getBytes(StandardCharsets.UTF_8))).get();
        template.send(new ProducerRecord<>(Topics.TRIGGERS, "always-broken", "{\"workflow_id\":\"w0\"}".getBytes(StandardCharsets.UTF_8))).get();
        template.send(new ProducerRecord<>(Topics.TRIGGERS, "flaky", "{\"workflow_id\":\"w1\"}".getBytes(StandardCharsets.UTF_8))).get();
        template.send(new ProducerRecord<>(Topics.TRIGGERS, "good", "{\"workflow_id\":\"w2\"}".getBytes(StandardCharsets.UTF_8))).get();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(listener.accepted).containsExactly("w1", "w2"));

        Map<String, Object> props = KafkaTestUtils.consumerProps(broker, "dlt-reader", false);
        props.put("auto.offset.reset", "earliest");
        try (Consumer<String, byte[]> consumer = new DefaultKafkaConsumerFactory<>(props,
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer()).createConsumer()) {
            consumer.subscribe(List.of(Topics.deadLetter(Topics.TRIGGERS)));
            List<ConsumerRecord<String, byte[]>> dead = new CopyOnWriteArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.size() >= 3;
            });
            assertThat(dead).extracting(ConsumerRecord::key).containsExactly("bad-json", "no-workflow", "always-broken");
            assertThat(header(dead.get(0), Topics.HEADER_DLT_REASON)).contains("TriggerRequested");
            assertThat(header(dead.get(1), Topics.HEADER_DLT_REASON)).isEqualTo("workflow_id is required");
            assertThat(header(dead.get(2), Topics.HEADER_DLT_REASON)).isEqualTo("downstream is down");
            assertThat(header(dead.get(0), Topics.HEADER_DLT_SOURCE_TOPIC)).isEqualTo(Topics.TRIGGERS);
            assertThat(header(dead.get(0), Topics.HEADER_DLT_SOURCE_OFFSET)).isEqualTo("0");
            assertThat(header(dead.get(2), Topics.HEADER_DLT_SOURCE_OFFSET)).isEqualTo("2");
            assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{oops");
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
