package io.zaps.gateway.workflow;

import io.zaps.gateway.GatewayProperties;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.workflow.WorkflowView;
import io.zaps.store.FileStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;

/** The gateway's side of {@link io.zaps.contract.Topics#WORKFLOWS}: it publishes the definitions it stores. */
@Configuration(proxyBeanMethods = false)
class WorkflowTopicConfiguration {

    /**
     * What the topic holds, to publish at start-up (and every 30 s) what it lacks. Its start does not wait for the
     * topic: the gateway serves its own API without Kafka.
     */
    @Bean
    WorkflowView gatewayWorkflowView(ConsumerFactory<?, ?> kafkaConsumerFactory) {
        return WorkflowView.of(kafkaConsumerFactory, "zaps-gateway-workflow-view", Duration.ZERO);
    }

    @Bean
    WorkflowPublisher gatewayWorkflowPublisher(FileStore gatewayFileStore, RecordPublisher publisher, WorkflowView gatewayWorkflowView,
                                               GatewayProperties properties) {
        return new WorkflowPublisher(gatewayFileStore, publisher, gatewayWorkflowView, properties.triggerPublishTimeout(),
                Duration.ofSeconds(30));
    }
}
