package io.zaps.executor.stream;

import io.zaps.contract.Topics;
import io.zaps.contract.step.StepTypes;
import io.zaps.executor.correlation.EventCorrelation;
import io.zaps.kafka.KafkaClientSecurity;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the topics the executor reads and writes when they are absent, before its streams start.
 * Idempotent: other services (and the shared Kafka module) declare the same topics with the same
 * settings, so "already exists" is success. Existing topics are never altered.
 */
final class TopicInitializer {
    private static final Logger log = LoggerFactory.getLogger(TopicInitializer.class);

    private TopicInitializer() {}

    static List<NewTopic> topics(StepTypes stepTypes, int partitions, short replicationFactor) {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(new NewTopic(Topics.RUN_COMMANDS, partitions, replicationFactor));
        topics.add(new NewTopic(Topics.deadLetter(Topics.RUN_COMMANDS), partitions, replicationFactor));
        topics.add(new NewTopic(Topics.TRIGGERS, partitions, replicationFactor)); // error-workflow triggers
        topics.add(new NewTopic(Topics.CALL_TRIGGERS, partitions, replicationFactor)); // call_workflow's runs
        topics.add(new NewTopic(Topics.RUN_EVENTS, partitions, replicationFactor)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        topics.addAll(EventCorrelation.topics(partitions, replicationFactor)); // wait_for_event: zaps.events and its subscriptions
        for (String type : stepTypes.names()) {
            if (stepTypes.isExternal(type)) {
                topics.add(new NewTopic(Topics.stepRequests(type), partitions, replicationFactor));
            }
        }
        return topics;
    }

    static void ensure(String bootstrapServers, KafkaClientSecurity security, List<NewTopic> topics, Duration timeout) {
        Map<String, Object> config = new HashMap<>(security.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "zaps-executor-topics");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(config)) {
            Map<String, KafkaFuture<Void>> results = admin
                    .createTopics(topics, new CreateTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                try {
                    result.getValue().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    log.info("created topic {}", result.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + result.getKey() + " on " + bootstrapServers
                                + ": " + e.getCause().getMessage(), e.getCause());
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("no answer from Kafka at " + bootstrapServers + " within " + timeout
                            + " while creating topic " + result.getKey(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topics", e);
                }
            }
            EventCorrelation.requireCoPartitioned(admin, timeout);
        }
    }
}
