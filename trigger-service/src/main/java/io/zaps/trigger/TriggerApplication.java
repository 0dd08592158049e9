package io.zaps.trigger;

import io.zaps.kafka.health.Readiness;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import java.util.Map;

/**
 * The trigger service: turns trigger requests on {@code zaps.triggers} into {@code StartRun}
 * commands for the executor.
 *
 * <p>Its configuration lives in {@code trigger-service.yml}, not {@code application.yml}: when the
 * local launcher runs several services in one JVM their jars share one classpath, where only the
 * first {@code application.yml} would be found. Start it through {@link #application()}, which sets
 * {@code spring.config.name} accordingly.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.trigger")
public class TriggerApplication {
    /** The base name of this service's configuration files ({@code trigger-service.yml}). */
    public static final String CONFIG_NAME = "trigger-service";

    /** Deployed alone: with its own health and metrics on its management port ({@link Readiness#STANDALONE_PROFILE}). */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /** The service's application, ready to {@code run(args)}; also how a launcher starts it next to other services. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(TriggerApplication.class);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
    }
}
