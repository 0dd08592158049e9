package io.zaps.gateway.hook;

import io.zaps.gateway.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The inbound webhooks' own parts. */
@Configuration(proxyBeanMethods = false)
class HookConfiguration {

    @Bean
    SignatureReplayStore gatewaySignatureReplayStore(GatewayProperties properties, Clock clock) {
        return new SignatureReplayStore(properties.dataDir(), clock);
    }
}
