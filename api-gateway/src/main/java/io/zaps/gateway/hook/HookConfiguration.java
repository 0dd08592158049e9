package io.zaps.gateway.hook;

import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.projection.OtherGatewaysRuns;
import io.zaps.gateway.run.RunAdmission;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.Consumer;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The inbound webhooks' own parts. */
@Configuration(proxyBeanMethods = false)
class HookConfiguration {

    @Bean
    RunCompletionWaiter gatewayRunCompletionWaiter(FileStore gatewayFileStore) {
        return new RunCompletionWaiter(gatewayFileStore, RunCompletionWaiter.SWEEP);
    }

    /**
     * Every gateway reads the run events of all partitions for its waiting webhooks, its admission control, and the runs
     * other gateways project for its run catalog (see RunEndTail).
     */
    @Bean
    @ConditionalOnProperty(name = "zaps.gateway.completion-tail", havingValue = "true", matchIfMissing = true)
    @SuppressWarnings("unchecked")
    RunEndTail gatewayRunEndTail(ConsumerFactory<?, ?> consumerFactory, RunCompletionWaiter gatewayRunCompletionWaiter,
                                 RunAdmission gatewayRunAdmission, OtherGatewaysRuns otherGatewaysRuns) {
        return new RunEndTail(() -> (Consumer<String, byte[]>) consumerFactory.createConsumer(null, "zaps-run-end-tail-", null,
                RunEndTail.overrides()), gatewayRunCompletionWaiter, gatewayRunAdmission, otherGatewaysRuns);
    }

    @Bean
    SignatureReplayStore gatewaySignatureReplayStore(GatewayProperties properties, Clock clock) {
        return new SignatureReplayStore(properties.dataDir(), clock);
    }
}
