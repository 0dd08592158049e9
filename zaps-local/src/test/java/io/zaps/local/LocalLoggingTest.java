package io.zaps.local;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import io.zaps.contract.Json;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ZAPS_LOG_FORMAT} in the launcher: the console's pattern is replaced by Spring Boot's structured JSON, or kept. */
class LocalLoggingTest {

    @Test
    void jsonTurnsEachLineIntoOneEcsObjectWithTheRunsLoggingContext() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LoggerContext context = console(out);
        LocalLogging.apply(context, Map.of("ZAPS_LOG_FORMAT", "json"));

        MDC.put("run_id", "3f1c");
        MDC.put("workflow_id", "invoice");
        try {
            context.getLogger("io.zaps.executor.stream.RunCommandProcessor").info("run {} decided", "3f1c");
        } finally {
            MDC.clear();
        }
        context.stop();

        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode line = Json.mapper().readTree(lines[0]);
        assertThat(line.get("message").stringValue()).isEqualTo("run 3f1c decided");
        assertThat(line.get("run_id").stringValue()).isEqualTo("3f1c");
        assertThat(line.get("workflow_id").stringValue()).isEqualTo("invoice");
        assertThat(line.has("@timestamp")).isTrue();
    }

    @Test
    void textOrNothingKeepsThePattern() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LoggerContext context = console(out);
        LocalLogging.apply(context, Map.of());
        LocalLogging.apply(context, Map.of("ZAPS_LOG_FORMAT", "text"));
        context.getLogger("x").info("plain");
        context.stop();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("INFO plain\n");
    }

    /** A logger context of its own whose root writes to {@code out} with a pattern, as logback.xml's console does. */
    private static LoggerContext console(ByteArrayOutputStream out) {
        LoggerContext context = new LoggerContext();
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%level %msg%n");
        pattern.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(pattern);
        appender.setOutputStream(out);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        return context;
    }
}
