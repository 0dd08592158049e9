package io.zaps.executor;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import java.util.Map;

/**
 * The executor service: runs workflows from {@code zaps.run-commands}. Non-web.
 *
 * <p>Alone: {@code java -jar executor-service-<version>-exec.jar}. In a shared JVM (the local
 * launcher): {@code ExecutorApplication.application().run(args)} gives a separate context with the
 * same settings; close the returned context to stop the executor cleanly.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.executor")
public class ExecutorApplication {

    /** Lowest-precedence defaults; anything in the environment, arguments or config files wins. */
    static final Map<String, Object> DEFAULT_PROPERTIES = Map.of(
            "spring.application.name", "zaps-executor",
            "spring.main.web-application-type", "none",
            "logging.level.org.apache.kafka", "WARN",
            "logging.level.kafka", "WARN",
            "logging.level.org.apache.zookeeper", "WARN",
            "logging.level.state.change.logger", "WARN");

    public static void main(String[] args) {
        application().run(args);
    }

    /**
     * The executor as a {@link SpringApplication}, ready to {@code run(args)}. It is a non-web
     * application whatever else is on the class path (another service may bring a web server).
     */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(ExecutorApplication.class);
        application.setMainApplicationClass(ExecutorApplication.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.setBannerMode(Banner.Mode.OFF);
        application.setDefaultProperties(DEFAULT_PROPERTIES);
        return application;
    }
}
