package io.zaps.local;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.zaps.contract.Json;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.ZapsTelemetry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One run is one trace across the services, and every line written while a run is handled names it. The all-in-one
 * runs every service with a real OpenTelemetry SDK (its own {@code service.name}) over one in-memory exporter; a
 * delay → webhook run goes gateway → trigger service → executor (start, timer) → webhook connector → executor →
 * projector, and the spans' parent links are checked hop by hop. The log lines of the same runs are captured from
 * Logback with their logging context, and encoded as Spring Boot's structured JSON.
 */
class TracingAndLogsEndToEndTest {
    private static final AttributeKey<String> RUN_ID = AttributeKey.stringKey("zaps.run_id");
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");
    /** The loggers that write a DEBUG line for each run they handle, each naming the run in its message. */
    private static final Set<String> RUN_LOGGERS = Set.of("io.zaps.gateway.run.TriggerService", "io.zaps.trigger.consume.TriggerBatchListener",
            "io.zaps.executor.stream.RunCommandProcessor", "io.zaps.connector.StepListenerContainers", "io.zaps.gateway.projection.RunProjector");
    private static final Pattern RUN_IN_MESSAGE = Pattern.compile("^run ([0-9a-f-]{36})");
    private static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    static ZapsSystem zaps;
    static HttpServer subscriber;
    static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    static final List<OpenTelemetrySdk> sdks = new CopyOnWriteArrayList<>();
    static final List<ILoggingEvent> logs = new CopyOnWriteArrayList<>();
    /** The {@code traceparent} each run's webhook call carried to the receiver. */
    static final Map<String, String> traceparents = new ConcurrentHashMap<>();
    static AppenderBase<ILoggingEvent> appender;
    static Level zapsLevel;

    @BeforeAll
    static void startEverything() throws Exception {
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String runId = exchange.getRequestHeaders().getFirst("X-Zaps-Run-Id");
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            if (runId != null && traceparent != null) {
                traceparents.put(runId, traceparent);
            }
            byte[] answer = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        subscriber.start();

        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                event.prepareForDeferredProcessing(); // takes the logging context (MDC) of the writing thread now
                logs.add(event);
            }
        };
        appender.setContext(context);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        ch.qos.logback.classic.Logger zapsLogger = context.getLogger("io.zaps");
        zapsLevel = zapsLogger.getLevel();
        zapsLogger.setLevel(Level.DEBUG);

        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, EndToEndTest.freePort(), EndToEndTest.freePort(), null, Map.of()),
                service -> {
                    OpenTelemetrySdk sdk = ZapsTelemetry.sdk(SimpleSpanProcessor.create(spans), service);
                    sdks.add(sdk);
                    return sdk;
                });
        String workflow = EndToEndTest.delayThenWebhook("traced", 1, "http://127.0.0.1:" + subscriber.getAddress().getPort() + "/traced");
        HttpResponse<String> created = post("/api/workflows", workflow);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
        sdks.forEach(OpenTelemetrySdk::close);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger("io.zaps").setLevel(zapsLevel);
        if (appender != null) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            appender.stop();
        }
        if (subscriber != null) {
            subscriber.stop(0);
        }
    }

    @Test
    void oneRunIsOneTraceFromTheGatewayThroughTheTriggerServiceExecutorAndConnectorToTheProjector() throws Exception {
        String runId = triggerAndAwaitCompleted();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(named(runId, "projector write").stream().filter(s -> s.getParentSpanId().equals(
                        one(runId, "executor complete_step").getSpanId()))).isNotEmpty());

        List<SpanData> run = ofRun(runId);
        assertThat(run).extracting(SpanData::getTraceId).as("one trace").containsOnly(run.get(0).getTraceId());

        SpanData gateway = one(runId, "gateway trigger");
        SpanData trigger = one(runId, "trigger-service start_run");
        SpanData start = one(runId, "executor start_run");
        List<SpanData> delays = named(runId, "executor fire_timer").stream()
                .filter(span -> "wait".equals(span.getAttributes().get(AttributeKey.stringKey("zaps.step_id")))).toList();
        assertThat(delays).hasSize(1);
        SpanData timer = delays.get(0);
        SpanData connector = one(runId, "connector webhook");
        SpanData complete = one(runId, "executor complete_step");

        assertThat(gateway.getParentSpanContext().isValid()).as("the gateway starts the trace").isFalse();
        assertThat(trigger.getParentSpanId()).isEqualTo(gateway.getSpanId());
        assertThat(start.getParentSpanId()).isEqualTo(trigger.getSpanId());
        assertThat(timer.getParentSpanId()).as("a timer continues from the run's kept traceparent").isEqualTo(start.getSpanId());
        assertThat(connector.getParentSpanId()).as("the delay's end dispatched the webhook").isEqualTo(timer.getSpanId());
        assertThat(complete.getParentSpanId()).as("the connector's answer carries its span").isEqualTo(connector.getSpanId());
        Set<String> executorSpans = Set.of(start.getSpanId(), timer.getSpanId(), complete.getSpanId());
        assertThat(named(runId, "projector write")).allSatisfy(write -> assertThat(executorSpans).contains(write.getParentSpanId()));

        assertThat(gateway.getResource().getAttribute(SERVICE)).isEqualTo("api-gateway");
        assertThat(trigger.getResource().getAttribute(SERVICE)).isEqualTo("trigger-service");
        assertThat(start.getResource().getAttribute(SERVICE)).isEqualTo("executor-service");
        assertThat(connector.getResource().getAttribute(SERVICE)).isEqualTo("connector-webhook");
        assertThat(one(runId, "projector write", complete).getResource().getAttribute(SERVICE)).isEqualTo("api-gateway");
        assertThat(connector.getAttributes().get(AttributeKey.stringKey("zaps.step_id"))).isEqualTo("call");
        assertThat(traceparents.get(runId)).as("the receiver can continue the trace from the connector's span")
                .startsWith("00-" + connector.getTraceId() + "-" + connector.getSpanId() + "-");
    }

    @Test
    void everyLineWrittenWhileARunIsHandledNamesItAndNothingLeaksOntoTheNextRun() throws Exception {
        String first = triggerAndAwaitCompleted();
        String second = triggerAndAwaitCompleted();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            for (String runId : List.of(first, second)) {
                assertThat(runLines(runId)).extracting(ILoggingEvent::getLoggerName).containsAll(RUN_LOGGERS);
            }
        });

        for (String runId : List.of(first, second)) {
            for (ILoggingEvent line : runLines(runId)) {
                assertThat(line.getMDCPropertyMap()).as(line.getLoggerName() + ": " + line.getFormattedMessage())
                        .containsEntry(RunTracing.RUN_ID, runId).containsEntry(RunTracing.WORKFLOW_ID, "traced");
            }
            assertThat(runLines(runId)).filteredOn(line -> line.getLoggerName().endsWith("StepListenerContainers"))
                    .allSatisfy(line -> assertThat(line.getMDCPropertyMap()).containsEntry(RunTracing.STEP_ID, "call"));
        }
        // Lines about one run never carry another's id, though the same threads handled both.
        for (ILoggingEvent line : logs) {
            Matcher about = RUN_IN_MESSAGE.matcher(line.getFormattedMessage());
            if (RUN_LOGGERS.contains(line.getLoggerName()) && about.find()) {
                assertThat(line.getMDCPropertyMap().get(RunTracing.RUN_ID)).as(line.getFormattedMessage()).isEqualTo(about.group(1));
            }
        }
        assertThat(logs).filteredOn(line -> line.getLoggerName().equals("io.zaps.executor.stream.ExecutorStreams")
                || line.getFormattedMessage().startsWith("consuming ")).allSatisfy(line ->
                assertThat(line.getMDCPropertyMap()).doesNotContainKey(RunTracing.RUN_ID));

        // ZAPS_LOG_FORMAT=json: Spring Boot's structured encoder (ECS) writes each such line as one JSON object with the fields.
        Encoder<ILoggingEvent> json = LocalLogging.encoder((LoggerContext) LoggerFactory.getILoggerFactory(), "ecs");
        for (ILoggingEvent line : runLines(first)) {
            String encoded = new String(json.encode(line), StandardCharsets.UTF_8);
            assertThat(encoded.strip()).doesNotContain("\n");
            JsonNode parsed = Json.mapper().readTree(encoded);
            assertThat(parsed.get("run_id").stringValue()).isEqualTo(first);
            assertThat(parsed.get("workflow_id").stringValue()).isEqualTo("traced");
            assertThat(parsed.get("message").stringValue()).isEqualTo(line.getFormattedMessage());
            JsonNode level = parsed.has("log") ? parsed.get("log").get("level") : parsed.get("log.level");
            assertThat(level.stringValue()).as(encoded).isEqualTo("DEBUG");
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String triggerAndAwaitCompleted() throws Exception {
        HttpResponse<String> triggered = post("/api/workflows/traced/trigger", "{\"context\": {}}");
        assertThat(triggered.statusCode()).as(triggered.body()).isEqualTo(202);
        String runId = Json.mapper().readTree(triggered.body()).get("run_id").stringValue();
        JsonNode[] done = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + "/api/runs/" + runId)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return false;
            }
            done[0] = Json.mapper().readTree(response.body());
            return Set.of("completed", "failed", "cancelled").contains(done[0].get("status").stringValue());
        });
        assertThat(done[0].get("status").stringValue()).as(done[0].toString()).isEqualTo("completed");
        return runId;
    }

    private static List<ILoggingEvent> runLines(String runId) {
        return logs.stream().filter(line -> RUN_LOGGERS.contains(line.getLoggerName()))
                .filter(line -> line.getFormattedMessage().startsWith("run " + runId)).toList();
    }

    private static List<SpanData> ofRun(String runId) {
        return spans.getFinishedSpanItems().stream().filter(span -> runId.equals(span.getAttributes().get(RUN_ID))).toList();
    }

    private static List<SpanData> named(String runId, String name) {
        return ofRun(runId).stream().filter(span -> span.getName().equals(name)).toList();
    }

    private static SpanData one(String runId, String name) {
        List<SpanData> found = named(runId, name);
        assertThat(found).as(name + " of run " + runId + " among " + ofRun(runId).stream().map(SpanData::getName).toList()).hasSize(1);
        return found.get(0);
    }

    /** The span named {@code name} whose parent is {@code parent}. */
    private static SpanData one(String runId, String name, SpanData parent) {
        return named(runId, name).stream().filter(span -> span.getParentSpanId().equals(parent.getSpanId())).findFirst().orElseThrow();
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
