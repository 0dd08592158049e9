package io.zaps.connector.email;

import io.zaps.kafka.health.Readiness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;

import java.util.Map;

import java.time.Clock;

/**
 * The email connector: consumes {@code zaps.step-requests.email} (the wiring comes from
 * zaps-connector-kit) and sends the messages over SMTP.
 *
 * <p>Its configuration lives in {@code connector-email.yml}: when the local launcher runs several
 * services in one JVM their jars share one classpath, where only the first
 * {@code application.yml} would be found. Start it through {@link #application()}, which sets
 * {@code spring.config.name}.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.connector.email")
@EnableConfigurationProperties(EmailProperties.class)
public class EmailConnectorApplication {
    private static final Logger log = LoggerFactory.getLogger(EmailConnectorApplication.class);

    /** The base name of this service's configuration files ({@code connector-email.yml}). */
    public static final String CONFIG_NAME = "connector-email";

    /** Deployed alone: with its own health and metrics on its management port ({@link Readiness#STANDALONE_PROFILE}). */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /** The service's application, ready to {@code run(args)}; also how a launcher starts it next to other services. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(EmailConnectorApplication.class);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
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
