package io.zaps.gateway.event;

import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.web.ApiException;
import io.zaps.kafka.RecordPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.util.List;

/** Hands a record to Kafka and waits for its acknowledgement; 503 (problem) when Kafka does not take it. */
@Component
class EventPublisher {
    private final RecordPublisher publisher;
    private final long timeoutMs;

    EventPublisher(RecordPublisher publisher, GatewayProperties properties) {
        this.publisher = publisher;
        this.timeoutMs = properties.triggerPublishTimeout().toMillis();
    }

    void publish(String topic, String key, Object record, String what) {
        try {
            publisher.sendAndWait(topic, key, record, timeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE,
                    "the " + what + " could not be handed to Kafka (" + topic + "), nothing changed: " + e.getMessage(), List.of());
        }
    }
}
