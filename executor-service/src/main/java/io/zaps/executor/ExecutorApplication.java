package io.zaps.executor;

import io.zaps.kafka.health.Readiness;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import java.util.Map;

/**
 * The executor service: runs workflows from {@code zaps.run-commands}. Its only web server is the management port
 * (health and metrics) when deployed alone ({@link #main}); none in a shared JVM.
 *
 * <p>Alone: {@code java -jar executor-service-<version>-exec.jar}. In a shared JVM (the local
 * launcher): {@code ExecutorApplication.application().run(args)}, or any {@code SpringApplication}
 * of this class with {@code spring.config.name=}{@value #CONFIG_NAME}; close the returned context to
 * stop the executor cleanly. Its configuration file is {@code executor-service.yml}, not
 * {@code application.yml}, so that it neither shadows nor reads another service's.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.executor")
public class ExecutorApplication {
    /** The base name of this service's configuration files ({@code executor-service.yml}). */
    public static final String CONFIG_NAME = "executor-service";

    /** Deployed alone: with its own health and metrics on its management port ({@link Readiness#STANDALONE_PROFILE}). */
    public static void main(String[] args) {
        SpringApplication application = application();
        application.setAdditionalProfiles(Readiness.STANDALONE_PROFILE);
        application.run(args);
    }

    /**
     * The executor as a {@link SpringApplication}, ready to {@code run(args)}. It is a non-web
     * application whatever else is on the class path (another service may bring a web server), unless
     * the profile {@link Readiness#STANDALONE_PROFILE} opens its management port.
     */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(ExecutorApplication.class);
        application.setMainApplicationClass(ExecutorApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setDefaultProperties(Map.of("spring.config.name", CONFIG_NAME));
        return application;
    }
}
