package io.zaps.gateway;

import io.zaps.kafka.health.Readiness;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

import java.util.Map;

/**
 * The Zaps API gateway: REST API for workflows and runs, trigger publishing, and the projector that
 * writes run snapshots from {@code zaps.run-events} into the file store.
 *
 * <p>Its configuration lives in {@code api-gateway.yml}, not {@code application.yml}: when the local
 * launcher runs several services in one JVM their jars share one classpath, where only the first
 * {@code application.yml} would be found. Start it through {@link #application()}, or set
 * {@code spring.config.name} to {@link #CONFIG_NAME}.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.gateway")
@ConfigurationPropertiesScan("io.zaps.gateway")
public class GatewayApplication {
    /** The base name of this service's configuration files ({@code api-gateway.yml}). */
    public static final String CONFIG_NAME = "api-gateway";

    /** Deployed alone: {@link Readiness#STANDALONE_PROFILE}, where the management port may differ from the API's. */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /** The service's application, ready to {@code run(args)}; also how a launcher starts it next to other services. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(GatewayApplication.class);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
    }
}
