package io.zaps.local.console;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/** A local HTTP server for webhook steps: answers {@code {"ok": true}}, or 500 on {@code /flaky} while failing. */
final class TestSink implements AutoCloseable {
    private final HttpServer server;
    private final AtomicBoolean failing = new AtomicBoolean();

    private TestSink(HttpServer server) {
        this.server = server;
    }

    static TestSink start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        TestSink sink = new TestSink(server);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean fail = sink.failing.get() && exchange.getRequestURI().getPath().startsWith("/flaky");
            byte[] answer = (fail ? "{\"error\": \"down for the test\"}" : "{\"ok\": true}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(fail ? 500 : 200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        return sink;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** While true, {@code /flaky} answers 500. */
    void failing(boolean fail) {
        failing.set(fail);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
