package io.zaps.kafka.trace;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** With an endpoint, spans reach a real HTTP server as OTLP/protobuf at {@code /v1/traces}, sent by the JDK's HTTP client. */
class OtlpExportTest {
    private final List<String> received = new CopyOnWriteArrayList<>();
    private HttpServer collector;

    @AfterEach
    void stop() {
        if (collector != null) {
            collector.stop(0);
        }
    }

    @Test
    void spansAreExportedOverOtlpHttpToTheNamedEndpoint() throws Exception {
        collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        collector.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " " + body.length);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();

        OpenTelemetry telemetry = ZapsTelemetry.create("http://127.0.0.1:" + collector.getAddress().getPort() + "/", "connector-webhook");
        assertThat(telemetry).isInstanceOf(OpenTelemetrySdk.class);
        try (RunTracing.RunScope ignored = new RunTracing(telemetry).start("connector webhook", SpanKind.CONSUMER, Context.root(),
                "run-1", "wf", "call")) {
            assertThat(ignored.traceparent()).isNotNull();
        }
        ((OpenTelemetrySdk) telemetry).shutdown().join(10, TimeUnit.SECONDS); // flushes the batch

        assertThat(received).hasSize(1);
        assertThat(received.get(0)).startsWith("POST /v1/traces application/x-protobuf ");
        assertThat(Integer.parseInt(received.get(0).substring(received.get(0).lastIndexOf(' ') + 1))).isPositive();
    }
}
