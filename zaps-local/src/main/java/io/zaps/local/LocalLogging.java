package io.zaps.local;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.zaps.kafka.logging.LogFormat;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

import java.util.Iterator;
import java.util.Map;

/**
 * {@link LogFormat#ENV} for the launcher, which owns logging for all its services (Spring Boot's logging system is
 * off, logback.xml configures the console): a structured format replaces the console's pattern with Spring Boot's
 * structured-logging encoder, one JSON object per line, the logging context ({@code run_id}, ...) as fields.
 */
final class LocalLogging {
    private LocalLogging() {
    }

    /** Applies {@code ZAPS_LOG_FORMAT} from {@code env} to every appender of the root logger that writes a stream. */
    static void apply(Map<String, String> env) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            apply(context, env);
        }
    }

    static void apply(LoggerContext context, Map<String, String> env) {
        LogFormat.structured(env.get(LogFormat.ENV)).ifPresent(format -> {
            Iterator<Appender<ILoggingEvent>> appenders = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
            while (appenders.hasNext()) {
                if (appenders.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                    // Swapped in place, before the services start: stopping the appender would close its stream.
                    appender.setEncoder(encoder(context, format));
                }
            }
        });
    }

    /**
     * Spring Boot's structured encoder for {@code format} ({@code ecs}, {@code logstash}, {@code gelf}). It reads its
     * settings ({@code logging.structured.*}) from a Spring environment in the logger context, which Boot's logging
     * system would put there: here one from system properties and environment variables.
     */
    static Encoder<ILoggingEvent> encoder(LoggerContext context, String format) {
        if (context.getObject(Environment.class.getName()) == null) {
            StandardEnvironment environment = new StandardEnvironment();
            context.putObject(Environment.class.getName(), environment);
        }
        StructuredLogEncoder encoder = new StructuredLogEncoder();
        encoder.setContext(context);
        encoder.setFormat(format);
        encoder.start();
        return encoder;
    }
}
