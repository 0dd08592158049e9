package io.zaps.trigger.source.topic;

import io.zaps.contract.trigger.KafkaTrigger;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.trigger.source.ownership.TriggeredWorkflows;
import io.zaps.trigger.source.ownership.TriggeredWorkflows.Triggered;
import io.zaps.kafka.DeadLetters;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.util.backoff.FixedBackOff;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one Kafka consumer per workflow with a {@code kafka} trigger, in the consumer group
 * {@value #GROUP_PREFIX}{@code <workflow_id>}, in sync with the workflow definitions (re-read every scan interval).
 * Every instance runs a consumer for every such workflow, and the group's assignment splits the topic's partitions
 * between the instances; an instance that stops hands its partitions to the others, which go on from the committed
 * offsets.
 *
 * <p>One group per workflow, rather than one group for all: each workflow keeps its own offsets (two workflows on one
 * topic each see every record; {@code start_from} applies to each on its own; pausing one holds back only its
 * records), at the cost of one consumer per workflow and instance.
 *
 * <ul>
 *   <li>active → consuming; paused → the container is paused (records wait, the partitions stay assigned) and resumed
 *       where it left off; disabled, deleted or no longer a {@code kafka} trigger → the container stops (offsets stay
 *       with the group); a changed topic → a new container for the new topic.</li>
 *   <li>A topic that does not exist yet is waited for: the consumer does not create it and finds it within
 *       {@value #METADATA_MAX_AGE_MS} ms once it exists.</li>
 * </ul>
 */
public final class TopicTriggerRunner implements SmartLifecycle {
    /** The consumer group of a workflow's subscription is this prefix and the workflow id. */
    public static final String GROUP_PREFIX = "zaps-topic-trigger-";
    static final int METADATA_MAX_AGE_MS = 5000;
    private static final Logger log = LoggerFactory.getLogger(TopicTriggerRunner.class);

    private final TriggeredWorkflows workflows;
    private final WorkflowCatalog catalog;
    private final ConsumerFactory<byte[], byte[]> consumerFactory;
    private final KafkaTemplate<String, byte[]> template;
    private final TopicRecordMapper mapper;
    private final Clock clock;
    private final Duration scanInterval;
    private final Duration publishTimeout;
    private final String instanceId;
    private final DeadLetters deadLetters;

    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private ScheduledExecutorService scanner;
    private volatile boolean running;

    public TopicTriggerRunner(TriggeredWorkflows workflows, WorkflowCatalog catalog, ConsumerFactory<byte[], byte[]> consumerFactory,
                              KafkaTemplate<String, byte[]> template, TopicRecordMapper mapper, Clock clock,
                              Duration scanInterval, Duration publishTimeout, String instanceId, DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
        this.workflows = workflows;
        this.catalog = catalog;
        this.consumerFactory = consumerFactory;
        this.template = template;
        this.mapper = mapper;
        this.clock = clock;
        this.scanInterval = scanInterval;
        this.publishTimeout = publishTimeout;
        this.instanceId = instanceId;
    }

    /** A workflow's running subscription. */
    private record Subscription(String topic, KafkaMessageListenerContainer<byte[], byte[]> container) {
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        scanner = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "zaps-topic-triggers-" + instanceId);
            thread.setDaemon(true);
            return thread;
        });
        scanner.scheduleWithFixedDelay(this::scanSafely, 0, scanInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        ScheduledExecutorService s;
        synchronized (this) {
            running = false;
            s = scanner;
        }
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(publishTimeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            // Each container finishes its batch (triggers acknowledged, offsets committed) and leaves its group.
            subscriptions.values().forEach(s2 -> s2.container().stop());
            subscriptions.clear();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The workflows this instance consumes a topic for, and whether each is paused (for tests and logs). */
    synchronized Map<String, Boolean> subscriptions() {
        Map<String, Boolean> result = new HashMap<>();
        subscriptions.forEach((id, s) -> result.put(id, s.container().isPauseRequested()));
        return result;
    }

    private void scanSafely() {
        try {
            scan();
        } catch (RuntimeException e) {
            log.warn("topic triggers: {}", e.toString(), e);
        }
    }

    synchronized void scan() {
        if (!running) {
            return;
        }
        Map<String, Triggered<KafkaTrigger>> current = workflows.find(KafkaTrigger.class);
        for (Iterator<Map.Entry<String, Subscription>> it = subscriptions.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Subscription> entry = it.next();
            Triggered<KafkaTrigger> now = current.get(entry.getKey());
            boolean keep = now != null && now.trigger().topic().equals(entry.getValue().topic())
                    && now.workflow().statusOrDefault() != WorkflowStatus.DISABLED;
            if (!keep) {
                log.info("workflow '{}' stops consuming topic '{}'{}", entry.getKey(), entry.getValue().topic(),
                        now == null ? " (deleted or no longer a kafka trigger)" : now.trigger().topic().equals(entry.getValue().topic())
                                ? " (disabled)" : " (now topic '" + now.trigger().topic() + "')");
                entry.getValue().container().stop();
                it.remove();
            }
        }
        current.forEach((id, triggered) -> {
            WorkflowStatus status = triggered.workflow().statusOrDefault();
            Subscription subscription = subscriptions.get(id);
            if (subscription == null) {
                if (status == WorkflowStatus.ACTIVE) {
                    subscriptions.put(id, subscribe(id, triggered.trigger()));
                }
                return;
            }
            var container = subscription.container();
            if (status == WorkflowStatus.PAUSED && !container.isPauseRequested()) {
                log.info("workflow '{}' is paused: records of topic '{}' wait", id, subscription.topic());
                container.pause();
            } else if (status == WorkflowStatus.ACTIVE && container.isPauseRequested()) {
                log.info("workflow '{}' is active again: consuming topic '{}' where it left off", id, subscription.topic());
                container.resume();
            }
        });
    }

    private Subscription subscribe(String workflowId, KafkaTrigger trigger) {
        ContainerProperties properties = new ContainerProperties(trigger.topic());
        properties.setGroupId(GROUP_PREFIX + workflowId);
        properties.setClientId(GROUP_PREFIX + workflowId + "-" + instanceId);
        properties.setAckMode(ContainerProperties.AckMode.MANUAL_IMMEDIATE);
        Properties consumer = new Properties();
        consumer.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, trigger.startFrom());
        consumer.setProperty(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        consumer.setProperty(ConsumerConfig.METADATA_MAX_AGE_CONFIG, Integer.toString(METADATA_MAX_AGE_MS));
        properties.setKafkaConsumerProperties(consumer);
        properties.setMessageListener(new TopicTriggerListener(workflowId, catalog, mapper, template, clock, publishTimeout, deadLetters));
        KafkaMessageListenerContainer<byte[], byte[]> container = new KafkaMessageListenerContainer<>(consumerFactory, properties);
        container.setBeanName(GROUP_PREFIX + workflowId);
        // The listener hands back what it could not publish (nack); anything else thrown is retried, never dead-lettered
        // to a topic of the user's.
        container.setCommonErrorHandler(new DefaultErrorHandler(new FixedBackOff(1000, FixedBackOff.UNLIMITED_ATTEMPTS)));
        container.start();
        log.info("workflow '{}' consumes topic '{}' (group {}, start_from {})", workflowId, trigger.topic(),
                GROUP_PREFIX + workflowId, trigger.startFrom());
        return new Subscription(trigger.topic(), container);
    }
}
