package io.zaps.connector.webhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

/**
 * The webhook connector: consumes {@code zaps.step-requests.webhook} (the wiring comes from
 * zaps-connector-kit) and makes the HTTP calls.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.connector.webhook")
@EnableConfigurationProperties(WebhookProperties.class)
public class WebhookConnectorApplication {
    private static final Logger log = LoggerFactory.getLogger(WebhookConnectorApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(WebhookConnectorApplication.class, args);
    }

    @Bean
    WebhookHandler webhookHandler(WebhookProperties properties) {
        return new WebhookHandler(new WebhookClient(WebhookClient.newHttpClient(), OutboundAddressPolicy.of(properties),
                properties.maxResponseBytes()));
    }

    // Ready is published after every lifecycle bean started, the kit's listener containers included.
    @EventListener(ApplicationReadyEvent.class)
    void ready() {
        log.info("zaps connector-webhook ready");
    }
}
