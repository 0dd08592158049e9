package io.zaps.trigger.source.topic;

import io.zaps.kafka.DeadLetters;
import io.zaps.trigger.TriggerProperties;
import io.zaps.trigger.source.ownership.TriggeredWorkflows;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;

import java.time.Clock;
import java.util.Map;

/** Kafka-topic triggers: every workflow with a {@code kafka} trigger consumes its topic in its own consumer group. */
@Configuration(proxyBeanMethods = false)
class TopicConfiguration {
    @Bean
    TopicTriggerRunner topicTriggerRunner(TriggeredWorkflows triggeredWorkflows, WorkflowCatalog workflowCatalog,
                                          KafkaProperties kafkaProperties, KafkaTemplate<String, byte[]> template,
                                          Clock triggerClock, TriggerProperties properties, DeadLetters zapsDeadLetters,
                                          ObjectProvider<DefaultKafkaConsumerFactoryCustomizer> customizers) {
        // The service's consumer settings (bootstrap servers, isolation, no auto-commit), with keys and values as bytes:
        // a user topic's records are whatever other systems wrote.
        Map<String, Object> consumer = kafkaProperties.buildConsumerProperties();
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        DefaultKafkaConsumerFactory<byte[], byte[]> factory = new DefaultKafkaConsumerFactory<>(consumer);
        // As Spring Boot's own consumer factory is customized: group membership (zaps-kafka's GroupMembership).
        customizers.orderedStream().forEach(customizer -> customizer.customize(factory));
        return new TopicTriggerRunner(triggeredWorkflows, workflowCatalog, factory,
                template, new TopicRecordMapper(properties.topicMaxRecordBytes()), triggerClock,
                properties.sourceScanInterval(), properties.publishTimeout(), properties.instanceId(), zapsDeadLetters);
    }
}
