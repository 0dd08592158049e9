package io.zaps.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How every Kafka client of every Zaps service authenticates to the broker: the one home of the
 * settings' names and of how they map to Kafka client properties. Spring services get them through
 * {@link KafkaSecurityEnvironment} (every producer, consumer and admin client built from
 * {@code spring.kafka.*}); the executor's Kafka Streams and topic creation, the launcher and test
 * clients call {@link #clientProperties()} themselves.
 *
 * <ul>
 *   <li>{@value #PROTOCOL}: {@code PLAINTEXT} (default, the open local broker), {@code SASL_PLAINTEXT},
 *       {@code SASL_SSL} or {@code SSL} ({@code security.protocol}; TLS trusts the JVM's trust store,
 *       {@code -Djavax.net.ssl.trustStore=...} in {@code JAVA_OPTS})</li>
 *   <li>{@value #MECHANISM}: {@code SCRAM-SHA-256} (default with SASL), {@code SCRAM-SHA-512} or
 *       {@code PLAIN} ({@code sasl.mechanism})</li>
 *   <li>{@value #USERNAME}, {@value #PASSWORD}: the principal's credentials, required with SASL
 *       (they become {@code sasl.jaas.config})</li>
 * </ul>
 *
 * The password never appears in {@link #toString()}; Kafka itself logs {@code sasl.jaas.config} as
 * {@code [hidden]}.
 *
 * @param protocol  {@code security.protocol}
 * @param mechanism {@code sasl.mechanism}, null without SASL
 * @param username  the SASL user name, null without SASL
 * @param password  the SASL password, null without SASL
 */
public record KafkaClientSecurity(String protocol, String mechanism, String username, String password) {
    public static final String PROTOCOL = "ZAPS_KAFKA_SECURITY_PROTOCOL";
    public static final String MECHANISM = "ZAPS_KAFKA_SASL_MECHANISM";
    public static final String USERNAME = "ZAPS_KAFKA_USERNAME";
    public static final String PASSWORD = "ZAPS_KAFKA_PASSWORD";

    private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL");
    private static final Map<String, String> LOGIN_MODULES = Map.of(
            "SCRAM-SHA-256", "org.apache.kafka.common.security.scram.ScramLoginModule",
            "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule",
            "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule");

    /** The open default: no authentication, no TLS. (Declared after the tables above, which the constructor reads.) */
    public static final KafkaClientSecurity NONE = new KafkaClientSecurity("PLAINTEXT", null, null, null);

    public KafkaClientSecurity {
        protocol = blankToNull(protocol) == null ? "PLAINTEXT" : protocol.trim().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException(PROTOCOL + " must be one of " + PROTOCOLS + " (was '" + protocol + "')");
        }
        username = blankToNull(username);
        password = blankToNull(password);
        if (protocol.startsWith("SASL_")) {
            mechanism = blankToNull(mechanism) == null ? "SCRAM-SHA-256" : mechanism.trim().toUpperCase(Locale.ROOT);
            if (!LOGIN_MODULES.containsKey(mechanism)) {
                throw new IllegalArgumentException(MECHANISM + " must be one of " + LOGIN_MODULES.keySet().stream().sorted().toList()
                        + " (was '" + mechanism + "')");
            }
            if (username == null || password == null) {
                throw new IllegalArgumentException(PROTOCOL + "=" + protocol + " needs " + USERNAME + " and " + PASSWORD);
            }
        } else {
            // Credentials that would silently go unused are a misconfiguration, not a default.
            if (username != null || password != null || blankToNull(mechanism) != null) {
                throw new IllegalArgumentException(USERNAME + ", " + PASSWORD + " and " + MECHANISM + " need " + PROTOCOL
                        + "=SASL_PLAINTEXT or SASL_SSL (was " + protocol + ")");
            }
            mechanism = null;
        }
    }

    /** SASL over a plain connection (the embedded broker's secured mode) with these credentials. */
    public static KafkaClientSecurity sasl(String mechanism, String username, String password) {
        return new KafkaClientSecurity("SASL_PLAINTEXT", mechanism, username, password);
    }

    /**
     * Reads the settings by their names ({@link #PROTOCOL}, ...): from the process environment
     * ({@code System.getenv()::get}) or from a Spring {@code Environment} ({@code environment::getProperty}).
     *
     * @throws IllegalArgumentException naming the setting at fault
     */
    public static KafkaClientSecurity from(Function<String, String> settings) {
        return new KafkaClientSecurity(settings.apply(PROTOCOL), settings.apply(MECHANISM), settings.apply(USERNAME), settings.apply(PASSWORD));
    }

    public boolean isSasl() {
        return protocol.startsWith("SASL_");
    }

    /** The Kafka client properties: nothing for the open default. */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        if (protocol.equals("PLAINTEXT")) {
            return properties;
        }
        properties.put("security.protocol", protocol);
        if (isSasl()) {
            properties.put("sasl.mechanism", mechanism);
            properties.put("sasl.jaas.config", jaasConfig(mechanism, username, password));
        }
        return properties;
    }

    /** The settings by their names, e.g. to hand to a service started in this JVM; empty for the open default. */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (protocol.equals("PLAINTEXT")) {
            return settings;
        }
        settings.put(PROTOCOL, protocol);
        if (isSasl()) {
            settings.put(MECHANISM, mechanism);
            settings.put(USERNAME, username);
            settings.put(PASSWORD, password);
        }
        return settings;
    }

    /** A client login entry ({@code sasl.jaas.config}) for {@code mechanism}; quotes and backslashes escaped. */
    public static String jaasConfig(String mechanism, String username, String password) {
        String module = LOGIN_MODULES.get(mechanism);
        if (module == null) {
            throw new IllegalArgumentException("no login module for SASL mechanism " + mechanism);
        }
        return module + " required username=\"" + quoted(username) + "\" password=\"" + quoted(password) + "\";";
    }

    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    public String toString() {
        return isSasl() ? protocol + " " + mechanism + " as " + username : protocol;
    }
}
