package io.zaps.kafka.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code ZAPS_LOG_FORMAT}: how every service writes its log lines. {@code text} (the default) is the plain pattern;
 * {@code json} is Spring Boot's structured logging in the Elastic Common Schema, one JSON object per line;
 * {@code ecs}, {@code logstash} and {@code gelf} name a structured format directly. Structured lines carry the
 * logging context ({@code run_id}, {@code step_id}, {@code workflow_id} while a run is handled) as fields.
 */
public final class LogFormat {
    public static final String ENV = "ZAPS_LOG_FORMAT";

    private LogFormat() {
    }

    /**
     * The value for Spring Boot's {@code logging.structured.format.console}, or empty for plain text.
     *
     * @throws IllegalArgumentException for a value that names no format
     */
    public static Optional<String> structured(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String format = value.trim().toLowerCase(Locale.ROOT);
        return switch (format) {
            case "text", "plain" -> Optional.empty();
            case "json" -> Optional.of("ecs");
            case "ecs", "logstash", "gelf" -> Optional.of(format);
            default -> throw new IllegalArgumentException(ENV + " must be text, json, ecs, logstash or gelf, was '" + value + "'");
        };
    }
}
