package io.zaps.trigger.source.ownership;

import io.zaps.contract.Topics;
import io.zaps.trigger.TriggerProperties;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which workflows' trigger sources this instance runs: those whose partition of {@link Topics#TRIGGERS} the triggers
 * listener container is assigned (it adds {@link PartitionOwnership} to its rebalance listeners).
 */
@Configuration(proxyBeanMethods = false)
class OwnershipConfiguration {
    @Bean
    PartitionOwnership triggerWorkflowOwnership(TriggerProperties properties) {
        return new PartitionOwnership(Topics.TRIGGERS, properties.instanceId());
    }

    /** The workflows with a trigger section, as the sources (schedules, topics) scan them. */
    @Bean
    TriggeredWorkflows triggeredWorkflows(WorkflowCatalog workflowCatalog, TriggerProperties properties) {
        return new TriggeredWorkflows(workflowCatalog);
    }
}
