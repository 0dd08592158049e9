package io.zaps.kafka.logging;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.util.Map;

/**
 * A service run alone (Spring Boot's logging system on) honours {@link LogFormat#ENV}: it becomes
 * {@code logging.structured.format.console} unless that is set itself. Runs before the logging system is initialised.
 * The all-in-one launcher, which owns logging for all its services, applies the same setting itself.
 */
public class LogFormatEnvironmentPostProcessor implements EnvironmentPostProcessor {
    static final String PROPERTY = "logging.structured.format.console";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(PROPERTY)) {
            return;
        }
        LogFormat.structured(environment.getProperty(LogFormat.ENV)).ifPresent(format ->
                environment.getPropertySources().addLast(new MapPropertySource("zapsLogFormat", Map.of(PROPERTY, format))));
    }
}
