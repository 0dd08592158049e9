package io.zaps.connector;

import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.kafka.RecordPublisher;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * One Kafka listener container per {@link StepHandler}: consumes
 * {@code zaps.step-requests.<type>} in group {@code zaps-connector-<type>} and answers every request
 * with a {@link CompleteStep} on {@link Topics#RUN_COMMANDS}.
 *
 * <p>At least once: the answer is acknowledged by Kafka before the listener returns, and only then
 * is the request's offset committed. A crash in between redelivers the request; the idempotency key
 * the handler passed on makes the repeat harmless, and the executor ignores a second answer.
 * Records that cannot be understood throw {@link io.zaps.contract.MalformedRecordException} and the
 * shared error handler (zaps-kafka) dead-letters them; the container keeps going.
 */
public final class StepListenerContainers implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(StepListenerContainers.class);

    private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers = new ArrayList<>();
    private volatile boolean running;

    public StepListenerContainers(StepHandlerRegistry registry, ConcurrentKafkaListenerContainerFactory<String, byte[]> factory,
                                  RecordPublisher publisher, ConnectorProperties properties, Clock clock) {
        long sendTimeoutMs = properties.sendTimeout().toMillis();
        for (StepHandler handler : registry.handlers()) {
            StepRequestProcessor processor = new StepRequestProcessor(handler, clock);
            ConcurrentMessageListenerContainer<String, byte[]> container = factory.createContainer(Topics.stepRequests(handler.type()));
            container.setBeanName(groupId(handler.type()));
            container.getContainerProperties().setGroupId(groupId(handler.type()));
            container.setConcurrency(properties.concurrency());
            container.setAutoStartup(false);
            container.setupMessageListener((MessageListener<String, byte[]>) record -> onRecord(record, processor, publisher, sendTimeoutMs));
            containers.add(container);
        }
    }

    /** The consumer group of a step type's connector. */
    public static String groupId(String stepType) {
        return "zaps-connector-" + stepType;
    }

    private static void onRecord(ConsumerRecord<String, byte[]> record, StepRequestProcessor processor,
                                 RecordPublisher publisher, long sendTimeoutMs) {
        CompleteStep answer = processor.process(record.key(), record.value());
        publisher.sendAndWait(Topics.RUN_COMMANDS, answer.runId(), answer, sendTimeoutMs);
        if (log.isDebugEnabled()) {
            log.debug("answered {} step {} attempt {}: {}{}", answer.runId(), answer.stepId(), answer.attempt(),
                    answer.outcome(), answer.error() == null ? "" : " (" + answer.error() + ")");
        }
    }

    /** The listener containers, one per handled type (for tests and health checks). */
    public List<ConcurrentMessageListenerContainer<String, byte[]>> containers() {
        return List.copyOf(containers);
    }

    @Override
    public void start() {
        for (ConcurrentMessageListenerContainer<String, byte[]> container : containers) {
            container.start();
            log.info("consuming {} as {} with {} consumer(s)", container.getContainerProperties().getTopics()[0],
                    container.getGroupId(), container.getConcurrency());
        }
        running = true;
    }

    @Override
    public void stop() {
        for (ConcurrentMessageListenerContainer<String, byte[]> container : containers) {
            container.stop();
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Same phase as annotated listeners: start after everything they use, stop before it. */
    @Override
    public int getPhase() {
        return org.springframework.kafka.listener.AbstractMessageListenerContainer.DEFAULT_PHASE;
    }
}
