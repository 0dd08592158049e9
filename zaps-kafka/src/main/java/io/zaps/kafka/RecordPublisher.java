package io.zaps.kafka;

import io.zaps.contract.Json;
import io.zaps.kafka.trace.TraceHeaders;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes contract records as JSON. Keys are run ids for everything about a run. A record sent while a run is
 * handled carries the current span's trace context ({@link TraceHeaders}), so the next service continues the trace.
 */
public class RecordPublisher {
    private final KafkaTemplate<String, byte[]> template;

    public RecordPublisher(KafkaTemplate<String, byte[]> template) {
        this.template = template;
    }

    /** Sends {@code record} as JSON; the future completes when the broker acknowledged it. */
    public CompletableFuture<SendResult<String, byte[]>> send(String topic, String key, Object record) {
        ProducerRecord<String, byte[]> producerRecord = new ProducerRecord<>(topic, key, Json.toBytes(record));
        TraceHeaders.injectCurrent(producerRecord.headers());
        return template.send(producerRecord);
    }

    /**
     * Sends and waits for the broker's acknowledgement, so that the caller can promise the record is
     * durable (e.g. before answering 202 or committing a consumed offset).
     */
    public void sendAndWait(String topic, String key, Object record, long timeoutMs) {
        try {
            send(topic, key, record).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException e) {
            throw new PublishException("could not publish to " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new PublishException("Kafka did not acknowledge a record on " + topic + " within " + timeoutMs + " ms", e);
        }
    }

    /** Kafka could not take a record. */
    public static class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
