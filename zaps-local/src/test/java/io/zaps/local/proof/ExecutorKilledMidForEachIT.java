package io.zaps.local.proof;

import com.sun.net.httpserver.HttpServer;
import io.zaps.local.proof.ProofCluster.Service;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The executor, a process of its own, is killed with SIGKILL while a {@code for_each} has iterations in
 * flight (child runs waiting on a slow server, more not yet started) and started again: every iteration's
 * webhook is delivered once per idempotency key, and the parent completes with every result in item order.
 */
@ExtendWith(ProofCluster.Extension.class)
class ExecutorKilledMidForEachIT {
    private static final int ITEMS = 12;
    static ProofCluster cluster;
    static HttpServer receiver;
    static final List<String> keys = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start(ProofCluster shared) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/slow", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            keys.add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
            try {
                Thread.sleep(400);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] answer = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        receiver.start();
        cluster = shared;
        cluster.ensureRunning(Service.EXECUTOR, Service.TRIGGER, Service.GATEWAY, Service.WEBHOOK);
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void iterationsInFlightSurviveTheExecutorsDeathAndRunOncePerKey() throws Exception {
        cluster.createWorkflow("""
                {"id": "loop_kill", "name": "Executor killed mid-loop", "entry_point": "each",
                 "steps": [{"id": "each", "type": "for_each", "config": {"items": "{{ items }}", "body": "call", "concurrency": 3}},
                           {"id": "call", "type": "webhook", "config": {"url": "http://127.0.0.1:%d/slow", "body": {"n": "{{ item }}"}}}]}
                """.formatted(receiver.getAddress().getPort()));
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
            items.append(i == 0 ? "" : ", ").append(i);
        }
        String runId = cluster.trigger("loop_kill", "{\"context\": {\"items\": [" + items + "]}}");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> keys.size() >= 4);
        cluster.log("run %s: %d deliveries so far; killing the executor", runId, keys.size());
        cluster.kill(Service.EXECUTOR);
        Thread.sleep(1_000);
        cluster.start(Service.EXECUTOR);

        JsonNode run = cluster.awaitFinal(runId, Duration.ofSeconds(120));
        cluster.log("run %s %s after %d deliveries", runId, run.get("status").stringValue(), keys.size());
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        JsonNode results = run.get("steps").get("each").get("output").get("results");
        assertThat(results).hasSize(ITEMS);
        for (int i = 0; i < ITEMS; i++) {
            assertThat(results.get(i).get("response").get("body").get("n").intValue()).isEqualTo(i);
        }
        assertThat(keys).as("one delivery per iteration, each key once").hasSize(ITEMS).doesNotHaveDuplicates();
    }
}
