package io.zaps.kafka;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gives every Spring Kafka client of a service the {@link KafkaClientSecurity} settings
 * ({@code ZAPS_KAFKA_SECURITY_PROTOCOL}, ...): maps them to {@code spring.kafka.security.protocol} and
 * {@code spring.kafka.properties[sasl.*]}, which Boot applies to every producer, consumer and admin
 * client it builds, and which {@code KafkaProperties.build*Properties()} hands to clients built by hand.
 * A property source of its own, ranked below the service's configuration files, so an explicit
 * {@code spring.kafka.*} setting still wins. Invalid settings stop the service at start-up, naming
 * the setting. Nothing is added for the open default.
 */
public class KafkaSecurityEnvironment implements EnvironmentPostProcessor, Ordered {
    public static final String SOURCE_NAME = "zapsKafkaSecurity";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> client = KafkaClientSecurity.from(environment::getProperty).clientProperties();
        if (client.isEmpty()) {
            return;
        }
        Map<String, Object> spring = new LinkedHashMap<>();
        client.forEach((name, value) -> spring.put(name.equals("security.protocol")
                ? "spring.kafka.security.protocol" : "spring.kafka.properties[" + name + "]", value));
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, spring));
    }

    /** After the configuration files are read, so that settings in them count too. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
