package io.zaps.local.proof;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.local.proof.ProofCluster.Service;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A burst of 500 REST triggers from several client threads, each with its own {@code Idempotency-Key};
 * meanwhile the gateway and the trigger service (each a process of its own) are killed with SIGKILL
 * and restarted, then the trigger service once more. A request that fails (connection refused or
 * reset while the gateway is down, or any non-2xx) was not accepted and is retried with the same
 * key until it is. Afterwards: every key names one run (202, or 200 {@code Idempotent-Replayed} when
 * its acceptance was lost with the gateway), no two keys share a run, the workflow has exactly those
 * runs and no other, and every one of them completes.
 */
@ExtendWith(ProofCluster.Extension.class)
class TriggerBurstKillIT {
    static final int TRIGGERS = 500;
    static final int CLIENTS = 8;

    static ProofCluster cluster;
    static ExecutorService clients;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

    /** Every run id a key was answered with, 202 or 200 alike. */
    final Map<String, List<String>> answers = new ConcurrentHashMap<>();
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger replayed = new AtomicInteger();
    final AtomicInteger failedAttempts = new AtomicInteger();
    final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    /** Keys answered 409: claimed by a request whose gateway died before Kafka acknowledged its trigger (see docs, Guarantees). */
    final Map<String, String> stillBeingAccepted = new ConcurrentHashMap<>();

    @BeforeAll
    static void start(ProofCluster shared) {
        cluster = shared;
        cluster.ensureRunning(Service.EXECUTOR, Service.TRIGGER, Service.GATEWAY);
        clients = Executors.newFixedThreadPool(CLIENTS);
    }

    @AfterAll
    static void stop() {
        if (clients != null) {
            clients.shutdownNow();
        }
    }

    @Test
    void everyAcceptedTriggerHasExactlyOneRunAndEveryRunCompletes() throws Exception {
        cluster.createWorkflow("""
                {"id": "burst", "name": "Burst through crashes", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}}]}""");
        long started = System.nanoTime();
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < TRIGGERS; i++) {
            String key = "burst-" + i;
            int n = i;
            sent.add(clients.submit(() -> triggerUntilAccepted(key, n)));
        }

        awaitAnswered(150);
        cluster.log("%d answered: killing the gateway and the trigger service", answers.size());
        cluster.kill(Service.GATEWAY);
        cluster.kill(Service.TRIGGER);
        Thread.sleep(1_000);
        cluster.ensureRunning(Service.TRIGGER, Service.GATEWAY);

        awaitAnswered(350);
        cluster.log("%d answered: killing the trigger service again", answers.size());
        cluster.kill(Service.TRIGGER);
        Thread.sleep(1_000);
        cluster.start(Service.TRIGGER);

        for (Future<?> f : sent) {
            f.get(240, TimeUnit.SECONDS);
        }
        cluster.log("burst answered in %.1f s: %d accepted (202), %d replayed (200), %d failed attempts %s",
                (System.nanoTime() - started) / 1e9, accepted.get(), replayed.get(), failedAttempts.get(), failures);

        stillBeingAccepted.forEach((key, claim) -> cluster.log("%s was answered 409 for claimed run %s, then run %s", key, claim, answers.get(key)));
        assertThat(answers).hasSize(TRIGGERS);
        // Every key once more: each is a replay of the run it already started, nothing new starts.
        List<Future<?>> repeated = new ArrayList<>();
        for (int i = 0; i < TRIGGERS; i++) {
            String key = "burst-" + i;
            int n = i;
            repeated.add(clients.submit(() -> triggerUntilAccepted(key, n)));
        }
        for (Future<?> f : repeated) {
            f.get(240, TimeUnit.SECONDS);
        }
        assertThat(replayed.get()).as("the repeats were all replays").isGreaterThanOrEqualTo(TRIGGERS);
        Set<String> runIds = new HashSet<>();
        answers.forEach((key, ids) -> {
            assertThat(new HashSet<>(ids)).as("every answer to " + key + " names the same run").hasSize(1);
            runIds.add(ids.get(0));
        });
        assertThat(runIds).as("no two keys share a run").hasSize(TRIGGERS);
        assertThat(accepted.get()).isGreaterThan(0);

        Map<String, String> statuses = new HashMap<>();
        Map<String, Integer> revisions = new HashMap<>();
        AtomicReference<String> lastProblem = new AtomicReference<>("none");
        try {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
                statuses.clear();
                HttpResponse<String> listed;
                try {
                    listed = cluster.get("/api/workflows/burst/runs?limit=1000");
                } catch (IOException e) {
                    lastProblem.set(e.toString());
                    return false;
                }
                if (listed.statusCode() != 200) {
                    lastProblem.set("HTTP " + listed.statusCode() + ": " + listed.body());
                    return false;
                }
                try {
                    JsonNode runs = Json.mapper().readTree(listed.body());
                    if (!runs.isArray()) {
                        lastProblem.set("HTTP 200 without a list: " + listed.body());
                        return false;
                    }
                    for (JsonNode run : runs) {
                        statuses.put(run.get("run_id").stringValue(), run.get("status").stringValue());
                        revisions.put(run.get("run_id").stringValue(), run.get("revision").intValue());
                    }
                } catch (RuntimeException e) {
                    lastProblem.set("HTTP 200, unreadable list (" + e + "): " + listed.body());
                    return false;
                }
                return statuses.size() >= TRIGGERS && !statuses.containsValue("pending") && !statuses.containsValue("running");
            });
        } catch (ConditionTimeoutException e) {
            // Revision 0 is the gateway's own pending snapshot: the executor never saw the run.
            Map<String, String> stuck = new HashMap<>();
            statuses.forEach((runId, status) -> {
                if (!status.equals("completed") && !status.equals("failed")) {
                    stuck.put(runId, status + " at revision " + revisions.get(runId));
                }
            });
            // Which hop lost them: every record about a run is keyed by its run id.
            Map<String, String> seen = new HashMap<>();
            for (String topic : List.of(Topics.TRIGGERS, Topics.deadLetter(Topics.TRIGGERS), Topics.RUN_COMMANDS, Topics.RUN_EVENTS)) {
                List<ConsumerRecord<String, byte[]>> records = cluster.read(topic, Duration.ofSeconds(5), r -> false, true);
                stuck.keySet().forEach(runId -> seen.merge(runId, topic + ": " + records.stream().filter(r -> runId.equals(r.key())).count(),
                        (a, b) -> a + ", " + b));
            }
            throw new AssertionError(statuses.size() + " runs listed, not final: " + stuck + "; records per topic: " + seen
                    + "; last failed listing: " + lastProblem.get() + "\n" + cluster.logTail(Service.GATEWAY), e);
        }
        cluster.log("all %d runs final %.1f s after the burst began", statuses.size(), (System.nanoTime() - started) / 1e9);
        assertThat(statuses.keySet()).as("the workflow's runs are exactly the accepted ones").isEqualTo(runIds);
        assertThat(Set.copyOf(statuses.values())).containsOnly("completed");
    }

    /** One client's trigger: retried with the same key until the gateway accepted it (or had already). */
    private void triggerUntilAccepted(String key, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(200);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(cluster.gatewayUrl() + "/api/workflows/burst/trigger"))
                        .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json").header("Idempotency-Key", key)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"context\": {\"n\": " + n + "}}")).build(), HttpResponse.BodyHandlers.ofString());
                boolean replay = response.statusCode() == 200 && response.headers().firstValue("Idempotent-Replayed").orElse("").equals("true");
                if (response.statusCode() == 202 || replay) {
                    String runId = Json.mapper().readTree(response.body()).get("run_id").stringValue();
                    answers.computeIfAbsent(key, k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(runId);
                    (replay ? replayed : accepted).incrementAndGet();
                    return;
                }
                failed("HTTP " + response.statusCode());
                if (response.statusCode() == 409) {
                    JsonNode problem = Json.mapper().readTree(response.body());
                    stillBeingAccepted.put(key, problem.path("run_id").asString("?") + " (" + problem.path("detail").asString("") + ")");
                }
            } catch (IOException e) {
                failed(e.getClass().getSimpleName());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("trigger " + key + " was never accepted");
    }

    private void failed(String why) {
        failedAttempts.incrementAndGet();
        failures.computeIfAbsent(why, w -> new AtomicInteger()).incrementAndGet();
    }

    private void awaitAnswered(int count) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(10)).until(() -> answers.size() >= count);
    }
}
