package io.zaps.local.proof;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Ids;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook connector, a process of its own, is killed with SIGKILL while the receiving server
 * holds its request (the first delivery is answered only after the kill, to a dead connection). The
 * request's offset was never committed, so the restarted connector delivers it again, with the same
 * {@code Idempotency-Key} (run id : step id : attempt): the receiver can tell it is a repeat, and the
 * run completes with one attempt.
 */
@ExtendWith(ProofCluster.Extension.class)
class WebhookConnectorKilledIT {
    static ProofCluster cluster;
    static HttpServer receiver;
    static final List<String> keys = new CopyOnWriteArrayList<>();
    static final CountDownLatch firstArrived = new CountDownLatch(1);
    static final CountDownLatch killed = new CountDownLatch(1);

    @BeforeAll
    static void start(ProofCluster shared) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        receiver.setExecutor(Executors.newCachedThreadPool());
        receiver.createContext("/hold", exchange -> {
            exchange.getRequestBody().readAllBytes();
            keys.add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
            try {
                if (keys.size() == 1) {
                    firstArrived.countDown();
                    killed.await(120, TimeUnit.SECONDS); // hold the first delivery until its sender is dead
                }
                byte[] body = "{\"received\": true}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the first delivery's connection died with the connector
            } finally {
                exchange.close();
            }
        });
        receiver.start();
        cluster = shared;
        cluster.ensureRunning(Service.EXECUTOR, Service.TRIGGER, Service.GATEWAY, Service.WEBHOOK);
    }

    @AfterAll
    static void stop() {
        killed.countDown();
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void aDeliveryCutByTheConnectorsDeathIsRepeatedWithTheSameIdempotencyKey() throws Exception {
        cluster.createWorkflow("""
                {"id": "webhook_kill", "name": "Webhook connector killed mid-call", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "timeout_seconds": 120,
                            "config": {"url": "http://127.0.0.1:%d/hold", "body": {"order": "{{ order }}"}, "timeout_seconds": 120}}]}
                """.formatted(receiver.getAddress().getPort()));
        String runId = cluster.trigger("webhook_kill", "{\"context\": {\"order\": \"A-1\"}}");

        assertThat(firstArrived.await(60, TimeUnit.SECONDS)).as("the first delivery reached the receiver").isTrue();
        cluster.log("first delivery of run %s held by the receiver; killing the connector", runId);
        cluster.kill(Service.WEBHOOK);
        killed.countDown();
        Thread.sleep(1_000);
        cluster.start(Service.WEBHOOK);

        JsonNode run = cluster.awaitFinal(runId, Duration.ofSeconds(90));
        cluster.log("run %s %s after %d deliveries with keys %s", runId, run.get("status").stringValue(), keys.size(), keys);
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        JsonNode step = run.get("steps").get("call");
        assertThat(step.get("attempt").intValue()).isEqualTo(1);
        assertThat(step.get("output").get("response").get("status_code").intValue()).isEqualTo(200);
        assertThat(keys).hasSizeGreaterThanOrEqualTo(2).containsOnly(Ids.idempotencyKey(runId, "call", 1));
    }
}
