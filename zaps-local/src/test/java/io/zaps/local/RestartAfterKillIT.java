package io.zaps.local;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./zaps up} as a real OS process, killed with SIGKILL in the middle of a delay and started
 * again on the same data folder: the workflow, the finished run and the pending delay all survive,
 * and the delayed run completes, its webhook called once. It prints how long the restart took until
 * ready and until the first trigger was accepted, and how late a delay due while down and one due after
 * the restart fired (docs/benchmarks.md, session 11); it asserts none of these times. It starts the launcher from the
 * test class path, so without the extracted layout and class-data archive that {@code ./zaps up} starts with
 * (docs/benchmarks.md, session 12, measures both).
 */
class RestartAfterKillIT {
    @TempDir
    Path dataDir;

    HttpServer subscriber;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    Process zaps;
    int httpPort;
    int kafkaPort;
    int controllerPort;

    @BeforeEach
    void start() throws IOException {
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        subscriber.createContext("/", exchange -> {
            calls.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        subscriber.start();
        httpPort = EndToEndTest.freePort();
        kafkaPort = EndToEndTest.freePort();
        controllerPort = EndToEndTest.freePort(); // not kafkaPort + 1: that one may be taken
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (zaps != null && zaps.isAlive()) {
            zaps.destroy();
            if (!zaps.waitFor(30, TimeUnit.SECONDS)) {
                zaps.destroyForcibly();
            }
        }
        subscriber.stop(0);
    }

    @Test
    void killedMidDelayAndRestartedTheRunCompletesAndNothingIsLost() throws Exception {
        zaps = launch("first");
        awaitHealthy("first");
        String workflow = """
                {"id": "survivor", "name": "Survivor", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": %d}, "next_step_id": "tell"},
                           {"id": "tell", "type": "webhook", "config": {"url": "http://127.0.0.1:%d/done", "body": {"order": "{{ order }}"}}}]}
                """;
        assertThat(post("/api/workflows", workflow.formatted(1, subscriber.getAddress().getPort())).statusCode()).isEqualTo(201);
        String finished = runId(post("/api/workflows/survivor/trigger", "{\"context\": {\"order\": \"first\"}}"));
        await().atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(status(finished)));

        assertThat(put("/api/workflows/survivor", workflow.formatted(3, subscriber.getAddress().getPort())).statusCode()).isEqualTo(200);
        assertThat(post("/api/workflows", workflow.replace("\"survivor\"", "\"later\"").formatted(2, subscriber.getAddress().getPort())).statusCode())
                .isEqualTo(201);
        Instant triggered = Instant.now();
        String delayed = runId(post("/api/workflows/survivor/trigger", "{\"context\": {\"order\": \"second\"}}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode run = run(delayed);
            return run != null && "running".equals(run.get("steps").get("wait").get("status").stringValue());
        });

        zaps.destroyForcibly(); // SIGKILL: no shutdown hook, no clean broker shutdown
        assertThat(zaps.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // Restart only once the delay is due: it falls due while Zaps is down, whatever the restart takes.
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), triggered.plusSeconds(4)).toMillis()));

        Instant restarted = Instant.now();
        zaps = launch("second");
        // From the restart on, a trigger every 200 ms until one is accepted (202): when Zaps takes work again.
        CompletableFuture<Instant> firstAccepted = CompletableFuture.supplyAsync(() -> {
            while (Duration.between(restarted, Instant.now()).toSeconds() < 90) {
                try {
                    if (post("/api/workflows/survivor/trigger", "{\"context\": {\"order\": \"probe\"}}").statusCode() == 202) {
                        return Instant.now();
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return null;
        });
        awaitHealthy("second");
        Instant healthy = Instant.now();
        String later = runId(post("/api/workflows/later/trigger", "{\"context\": {\"order\": \"later\"}}"));
        assertThat(get("/api/workflows/survivor").statusCode()).isEqualTo(200);
        assertThat(status(finished)).isEqualTo("completed");

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> "completed".equals(status(delayed)));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> "completed".equals(status(later)));
        JsonNode run = run(delayed);
        assertThat(run.get("workflow_version").intValue()).isEqualTo(2);
        JsonNode wait = run.get("steps").get("wait");
        Instant due = Instant.parse(wait.get("output").get("due_at").stringValue());
        Instant fired = Instant.parse(wait.get("output").get("fired_at").stringValue());
        assertThat(fired).isAfterOrEqualTo(due);
        JsonNode laterWait = run(later).get("steps").get("wait").get("output");
        Instant laterDue = Instant.parse(laterWait.get("due_at").stringValue());
        Instant laterFired = Instant.parse(laterWait.get("fired_at").stringValue());
        Instant accepted = firstAccepted.get(100, TimeUnit.SECONDS);
        // Timings for docs/benchmarks.md (session 11); never asserted: they depend on the machine.
        System.err.printf("restart after SIGKILL: ready after %d ms, first trigger accepted after %s ms;"
                        + " a delay due while down fired %d ms after ready, one due after ready %d ms after its due time%n",
                Duration.between(restarted, healthy).toMillis(), accepted == null ? "(none)" : Duration.between(restarted, accepted).toMillis(),
                Duration.between(healthy, fired).toMillis(), Duration.between(laterDue, laterFired).toMillis());
        // It fell due while Zaps was down and fires once the restarted executor owns the run again (a bound, not a speed).
        assertThat(Duration.between(due, fired)).isLessThan(Duration.ofSeconds(60));
        assertThat(accepted).isNotNull();
        assertThat(calls).filteredOn(body -> body.contains("second")).hasSize(1);
        assertThat(calls).filteredOn(body -> body.contains("first")).hasSize(1);
        assertThat(calls).filteredOn(body -> body.contains("later")).hasSize(1);
    }

    private Process launch(String name) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), ZapsLocal.class.getName(), "up");
        builder.environment().put("ZAPS_DATA_DIR", dataDir.toString());
        builder.environment().put("ZAPS_HTTP_PORT", Integer.toString(httpPort));
        builder.environment().put("ZAPS_KAFKA_PORT", Integer.toString(kafkaPort));
        builder.environment().put("ZAPS_KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort));
        builder.redirectErrorStream(true);
        builder.redirectOutput(new File(dataDir.toFile(), "zaps-" + name + ".log"));
        return builder.start();
    }

    /** Waits for readiness; when it does not come, fails with the end of the process's log (its folder is deleted after). */
    private void awaitHealthy(String name) throws IOException {
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> get("/health").statusCode() == 200);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<String> log = Files.readAllLines(dataDir.resolve("zaps-" + name + ".log"));
            throw new AssertionError("the " + name + " start was not ready within 90 s (alive: " + zaps.isAlive() + "); its log ends:\n"
                    + String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size())), e);
        }
    }

    private String runId(HttpResponse<String> accepted) {
        assertThat(accepted.statusCode()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    private JsonNode run(String runId) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/runs/" + runId);
        return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : null;
    }

    private String status(String runId) throws IOException, InterruptedException {
        JsonNode run = run(runId);
        return run == null ? null : run.get("status").stringValue();
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
