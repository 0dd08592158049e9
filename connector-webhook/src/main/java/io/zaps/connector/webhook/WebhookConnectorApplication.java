package io.zaps.connector.webhook;

import io.zaps.kafka.health.Readiness;
import io.zaps.connector.ConnectorProperties;
import io.zaps.connector.net.OutboundAddressPolicy;
import org.slf4j.Logger;
import org.springframework.beans.factory.ObjectProvider;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

import java.time.Clock;
import java.util.Map;

/**
 * The webhook connector: consumes {@code zaps.step-requests.webhook} (the wiring comes from
 * zaps-connector-kit) and makes the HTTP calls.
 *
 * <p>Its configuration lives in {@code connector-webhook.yml}: when the local launcher runs several
 * services in one JVM their jars share one classpath, where only the first
 * {@code application.yml} would be found. Start it through {@link #application()}, which sets
 * {@code spring.config.name}.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.connector.webhook")
@EnableConfigurationProperties({WebhookProperties.class, ConnectorProperties.class})
public class WebhookConnectorApplication {
    private static final Logger log = LoggerFactory.getLogger(WebhookConnectorApplication.class);

    /** The base name of this service's configuration files ({@code connector-webhook.yml}). */
    public static final String CONFIG_NAME = "connector-webhook";

    /** Deployed alone: with its own health and metrics on its management port ({@link Readiness#STANDALONE_PROFILE}). */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /** The service's application, ready to {@code run(args)}; also how a launcher starts it next to other services. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(WebhookConnectorApplication.class);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
    }

    @Bean
    WebhookHandler webhookHandler(WebhookProperties properties, ConnectorProperties connector, ObjectProvider<Clock> clock) {
        OutboundAddressPolicy policy = OutboundAddressPolicy.of(properties.deniedCidrs(), properties.denyPrivateNetworks(), "zaps.webhook")
                .refusingGateway(connector.refusedGatewayAddresses());
        return new WebhookHandler(new WebhookClient(WebhookClient.newHttpClient(), policy, properties.maxResponseBytes()),
                clock.getIfAvailable(Clock::systemUTC));
    }

    // Ready is published after every lifecycle bean started, the kit's listener containers included.
    @EventListener(ApplicationReadyEvent.class)
    void ready() {
        log.info("zaps connector-webhook ready");
    }
}
