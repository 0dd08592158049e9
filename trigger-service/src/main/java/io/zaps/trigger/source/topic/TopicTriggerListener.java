package io.zaps.trigger.source.topic;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.kafka.DeadLetters;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchAcknowledgingMessageListener;
import org.springframework.kafka.support.Acknowledgment;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kafka shell around {@link TopicRecordMapper} for one workflow's subscription: for each record of a batch publish
 * its trigger onto {@link Topics#TRIGGERS} (or its dead letter onto {@code zaps.triggers.dlt}) without waiting, then
 * wait until Kafka acknowledged every send and only then acknowledge the batch, whose offsets are committed at once.
 * A send that failed or was not acknowledged in time redelivers the batch from that record after a pause (records
 * before it are committed): at least once, and a repeat starts no second run because the run id derives from the
 * record's position.
 *
 * <p>While the workflow is not active (paused, disabled, deleted) the batch is not handled at all: it is handed back
 * uncommitted, to be read again once the subscription resumes, and the runner pauses or stops the container meanwhile.
 */
final class TopicTriggerListener implements BatchAcknowledgingMessageListener<byte[], byte[]> {
    static final String HEADER_DLT_WORKFLOW_ID = "zaps-dlt-workflow-id";
    private static final Logger log = LoggerFactory.getLogger(TopicTriggerListener.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    private final String workflowId;
    private final WorkflowCatalog catalog;
    private final TopicRecordMapper mapper;
    private final KafkaTemplate<String, byte[]> template;
    private final Clock clock;
    private final Duration publishTimeout;
    private final DeadLetters deadLetters;

    TopicTriggerListener(String workflowId, WorkflowCatalog catalog, TopicRecordMapper mapper,
                         KafkaTemplate<String, byte[]> template, Clock clock, Duration publishTimeout, DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
        this.workflowId = workflowId;
        this.catalog = catalog;
        this.mapper = mapper;
        this.template = template;
        this.clock = clock;
        this.publishTimeout = publishTimeout;
    }

    @Override
    public void onMessage(List<ConsumerRecord<byte[], byte[]>> records, Acknowledgment acknowledgment) {
        if (records.isEmpty()) {
            return;
        }
        if (!active()) {
            log.info("workflow '{}' is not active: {} record(s) of {} wait", workflowId, records.size(), records.get(0).topic());
            acknowledgment.nack(0, RETRY_PAUSE);
            return;
        }
        List<CompletableFuture<?>> sends = new ArrayList<>(records.size());
        int failedAt = -1;
        for (int i = 0; i < records.size(); i++) {
            try {
                sends.add(handle(records.get(i)));
            } catch (RuntimeException e) {
                log.warn("workflow '{}': cannot publish the trigger of {}: {}", workflowId, at(records.get(i)), e.toString());
                failedAt = i;
                break;
            }
        }
        int unacknowledged = awaitAcknowledged(records, sends);
        if (unacknowledged >= 0 && (failedAt < 0 || unacknowledged < failedAt)) {
            failedAt = unacknowledged;
        }
        if (failedAt >= 0) {
            acknowledgment.nack(failedAt, RETRY_PAUSE);
        } else {
            acknowledgment.acknowledge();
        }
    }

    private boolean active() {
        try {
            Optional<WorkflowDefinition> workflow = catalog.find(workflowId);
            return workflow.isPresent() && workflow.get().statusOrDefault() == WorkflowStatus.ACTIVE;
        } catch (RuntimeException e) {
            log.warn("workflow '{}' cannot be read, its records wait: {}", workflowId, e.getMessage());
            return false;
        }
    }

    private CompletableFuture<?> handle(ConsumerRecord<byte[], byte[]> record) {
        TopicTriggerDecision decision = mapper.decide(workflowId, view(record), clock.instant());
        if (decision instanceof TopicTriggerDecision.Start start) {
            return template.send(Topics.TRIGGERS, start.key(), Json.toBytes(start.trigger()));
        }
        String reason = ((TopicTriggerDecision.DeadLetter) decision).reason();
        log.warn("dead-lettering {} for workflow '{}': {}", at(record), workflowId, reason);
        return template.send(deadLetter(record, reason));
    }

    /** The original value, key (as a string) and headers, plus the reason, the source position and the workflow; counted by source topic. */
    private ProducerRecord<String, byte[]> deadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
        Headers workflow = new RecordHeaders();
        workflow.add(HEADER_DLT_WORKFLOW_ID, utf8(workflowId));
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        return deadLetters.of(record, key, Topics.deadLetter(Topics.TRIGGERS), reason, workflow);
    }

    /** Waits for every send in order; answers the index of the first that failed or did not come in time, or -1. */
    private int awaitAcknowledged(List<ConsumerRecord<byte[], byte[]>> records, List<CompletableFuture<?>> sends) {
        long deadline = System.nanoTime() + publishTimeout.toNanos();
        for (int i = 0; i < sends.size(); i++) {
            try {
                sends.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                log.warn("workflow '{}': could not publish the trigger of {}, reading it again: {}", workflowId, at(records.get(i)),
                        e.getCause() == null ? e.toString() : e.getCause().toString());
                return i;
            } catch (TimeoutException e) {
                log.warn("workflow '{}': Kafka did not acknowledge the trigger of {} within {} ms, reading it again", workflowId,
                        at(records.get(i)), publishTimeout.toMillis());
                return i;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return i;
            }
        }
        return -1;
    }

    static TopicRecord view(ConsumerRecord<byte[], byte[]> record) {
        List<TopicRecord.Header> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            headers.add(new TopicRecord.Header(header.key(), header.value()));
        }
        return new TopicRecord(record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(), record.value(), headers);
    }

    private static String at(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
