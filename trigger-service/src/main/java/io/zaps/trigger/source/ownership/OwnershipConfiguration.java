package io.zaps.trigger.source.ownership;

import io.zaps.contract.Topics;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which workflows' trigger sources this instance runs: those whose partition of {@link Topics#TRIGGERS} the triggers
 * listener container is assigned (it adds {@link PartitionOwnership} to its rebalance listeners).
 */
@Configuration(proxyBeanMethods = false)
class OwnershipConfiguration {
    @Bean
    PartitionOwnership triggerWorkflowOwnership() {
        return new PartitionOwnership(Topics.TRIGGERS);
    }
}
