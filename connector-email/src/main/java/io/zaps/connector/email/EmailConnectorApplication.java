package io.zaps.connector.email;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

import java.time.Clock;

/**
 * The email connector: consumes {@code zaps.step-requests.email} (the wiring comes from
 * zaps-connector-kit) and sends the messages over SMTP.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.connector.email")
@EnableConfigurationProperties(EmailProperties.class)
public class EmailConnectorApplication {
    private static final Logger log = LoggerFactory.getLogger(EmailConnectorApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(EmailConnectorApplication.class, args);
    }

    @Bean
    EmailHandler emailHandler(EmailProperties properties) {
        return new EmailHandler(new SmtpSender(properties), Clock.systemUTC());
    }

    // Ready is published after every lifecycle bean started, the kit's listener containers included.
    @EventListener(ApplicationReadyEvent.class)
    void ready() {
        log.info("zaps connector-email ready");
    }
}
