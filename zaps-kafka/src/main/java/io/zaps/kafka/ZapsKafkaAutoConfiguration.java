package io.zaps.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.Topics;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.ExponentialBackOff;

import java.util.ArrayList;
import java.util.List;

/**
 * Kafka wiring every Zaps Spring service shares: the topics, the dead-letter policy and the
 * {@link RecordPublisher}. Services only write listeners.
 *
 * <p>Dead letters: a record whose processing throws {@link MalformedRecordException} or
 * {@link DeadLetterException} goes at once to {@code <topic>.dlt}; any other failure is retried
 * {@code zaps.kafka.retry-attempts} times with exponential backoff, then dead-lettered. The consumer
 * never stops on one bad record. Dead letters keep the original key and value and carry the reason
 * and the source topic, partition and offset as headers.
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
// The executor uses only KafkaClientSecurity from this module, without Spring Kafka on its class path.
@ConditionalOnClass(name = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@EnableConfigurationProperties(ZapsKafkaProperties.class)
public class ZapsKafkaAutoConfiguration {
    private static final Logger log = LoggerFactory.getLogger(ZapsKafkaAutoConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    public RecordPublisher zapsRecordPublisher(KafkaTemplate<String, byte[]> template) {
        return new RecordPublisher(template);
    }

    /**
     * Group membership for every consumer made by the service's consumer factory: static with an instance id,
     * a short session ({@link GroupMembership}, docs/architecture.md "Restarts").
     */
    @Bean
    public DefaultKafkaConsumerFactoryCustomizer zapsGroupMembership(ZapsKafkaProperties properties, Environment environment) {
        String service = environment.getProperty("spring.application.name", "zaps");
        String instanceId = properties.instanceId() != null ? properties.instanceId() : environment.getProperty(GroupMembership.INSTANCE_ID_ENV);
        GroupMembership.memberId(service, instanceId); // fails at start-up on an id Kafka would refuse
        return factory -> factory.updateConfigs(GroupMembership.consumerDefaults(service, instanceId, factory.getConfigurationProperties()));
    }

    @Bean
    public KafkaAdmin.NewTopics zapsTopics(ZapsKafkaProperties properties) {
        return new KafkaAdmin.NewTopics(properties.createTopics() ? topics(properties).toArray(NewTopic[]::new) : new NewTopic[0]);
    }

    /** Every topic Zaps itself uses, each with its dead-letter topic. */
    public static List<NewTopic> topics(ZapsKafkaProperties properties) {
        List<String> names = new ArrayList<>(List.of(Topics.TRIGGERS, Topics.CALL_TRIGGERS, Topics.RUN_COMMANDS, Topics.RUN_EVENTS, Topics.EVENTS));
        for (String type : StepTypes.discover().names()) {
            StepTypes.discover().find(type).filter(StepSpec::external).ifPresent(s -> names.add(Topics.stepRequests(type)));
        }
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            NewTopic topic = new NewTopic(name, properties.partitions(), properties.replicationFactor());
            if (name.equals(Topics.RUN_EVENTS)) {
                // Each event carries the whole snapshot: compaction keeps the latest per run, enough to rebuild the file store.
                topic.configs(java.util.Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            }
            topics.add(topic);
            topics.add(new NewTopic(Topics.deadLetter(name), properties.partitions(), properties.replicationFactor()));
        }
        topics.add(workflowsTopic(properties));
        topics.add(secretsTopic(properties));
        topics.add(triggerCursorsTopic(properties));
        return topics;
    }

    /**
     * {@link Topics#WORKFLOWS}: compacted (the latest record per workflow is all a reader needs), and without a
     * dead-letter topic (its readers skip what they cannot parse). One record holds a whole definition; the gateway
     * refuses a definition larger than {@code WORKFLOW_MAX_BYTES}, well under the topic's and the producer's 1 MiB.
     */
    public static NewTopic workflowsTopic(ZapsKafkaProperties properties) {
        return compacted(Topics.WORKFLOWS, properties);
    }

    /**
     * {@link Topics#SECRETS}: compacted (the latest record per secret name), without a dead-letter topic (its readers
     * skip what they cannot parse). Its records carry ciphertext only; who may read and write it: docs/security.md.
     */
    public static NewTopic secretsTopic(ZapsKafkaProperties properties) {
        return compacted(Topics.SECRETS, properties);
    }

    /**
     * {@link Topics#TRIGGER_CURSORS}: compacted (the latest cursor per workflow), without a dead-letter topic (its reader,
     * the trigger service, skips what it cannot parse).
     */
    public static NewTopic triggerCursorsTopic(ZapsKafkaProperties properties) {
        return compacted(Topics.TRIGGER_CURSORS, properties);
    }

    private static NewTopic compacted(String name, ZapsKafkaProperties properties) {
        return new NewTopic(name, properties.partitions(), properties.replicationFactor())
                .configs(java.util.Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /** Dead letters' shape and count ({@code zaps_dead_letters_total{topic}}), for the error handler and listeners that write their own. */
    @Bean
    @ConditionalOnMissingBean
    public DeadLetters zapsDeadLetters(ObjectProvider<MeterRegistry> meters) {
        MeterRegistry registry = meters.getIfAvailable();
        return registry == null ? DeadLetters.uncounted() : DeadLetters.countedIn(registry);
    }

    @Bean
    @ConditionalOnMissingBean(CommonErrorHandler.class)
    public DefaultErrorHandler zapsErrorHandler(KafkaOperations<String, byte[]> operations, ZapsKafkaProperties properties,
                                                DeadLetters zapsDeadLetters) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(operations,
                (record, exception) -> new TopicPartition(Topics.deadLetter(record.topic()), record.partition()));
        recoverer.setHeadersFunction(ZapsKafkaAutoConfiguration::deadLetterHeaders);
        ExponentialBackOff backOff = new ExponentialBackOff(properties.retryBackoffMs(), 2.0);
        backOff.setMaxAttempts(properties.retryAttempts());
        DefaultErrorHandler handler = new DefaultErrorHandler((record, exception) -> {
            log.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason(exception));
            recoverer.accept(record, exception);
            zapsDeadLetters.count(record.topic());
        }, backOff);
        handler.addNotRetryableExceptions(MalformedRecordException.class, DeadLetterException.class, DeserializationException.class);
        return handler;
    }

    /** The recoverer copies the original headers itself; these are added to them. */
    static Headers deadLetterHeaders(ConsumerRecord<?, ?> record, Exception exception) {
        return DeadLetters.headers(List.of(), reason(exception), record.topic(), record.partition(), record.offset());
    }

    /** The innermost meaningful message: listener exceptions arrive wrapped by Spring. */
    static String reason(Throwable exception) {
        Throwable t = exception;
        while (t.getCause() != null && !(t instanceof MalformedRecordException) && !(t instanceof DeadLetterException)) {
            t = t.getCause();
        }
        return DeadLetters.shortened(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
}
