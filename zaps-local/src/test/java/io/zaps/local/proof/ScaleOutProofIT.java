package io.zaps.local.proof;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.local.ZapsLocal;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Zaps scaled out on one machine, every part its own OS process: a three-node KRaft cluster
 * ({@link BrokerCluster}: replication factor 3, {@code min.insync.replicas} 2), one gateway, two trigger
 * services, three executors and two webhook connectors ({@code zaps-local service <name>}, each with its own
 * {@code ZAPS_INSTANCE_ID}: static group membership). It sends triggers at a fixed rate, each with an
 * {@code Idempotency-Key}, to a workflow of delay (2 s) then webhook to a local receiver, and during the load
 * SIGKILLs one broker (started again 20 s later), one executor and one connector (not started again).
 *
 * <p>Passes when every accepted trigger has exactly one run, every run ends {@code completed}, the receiver
 * saw each run's webhook step under one idempotency key only, and no dead-letter topic holds a record. Prints
 * how long the cluster took to recover and the latency percentiles (trigger sent to webhook received, less the
 * 2 s delay) of three batches: a tenth of the load before anything is killed ("before"), the load with the kills
 * ("during"), and a tenth more once the broker is back, every partition fully replicated and the backlog drained
 * ("after") (docs/benchmarks.md, session 11).
 *
 * <p>Eleven JVMs: too heavy for every CI run, so it runs only with {@code ZAPS_SCALE_PROOF=1}
 * ({@code ZAPS_SCALE_PROOF=1 mvn -pl zaps-local -am verify -Dit.test=ScaleOutProofIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}); {@code ZAPS_SCALE_PROOF_TRIGGERS} and {@code ZAPS_SCALE_PROOF_RATE}
 * change the load (default 2,000 at 100 per second), {@code ZAPS_SCALE_PROOF_EXECUTORS} the executors (default
 * 3) and {@code ZAPS_SCALE_PROOF_KILLS=0} runs without failures (runs/s per executor count);
 * {@code ZAPS_SCALE_PROOF_JVM_OPTS} adds JVM options to every service (e.g. a {@code -Dlogback.configurationFile}).
 */
@EnabledIfEnvironmentVariable(named = "ZAPS_SCALE_PROOF", matches = "1")
class ScaleOutProofIT {
    private static final Duration DELAY = Duration.ofSeconds(2);
    private static final long START = System.nanoTime();

    @TempDir
    Path dir;

    BrokerCluster brokers;
    HttpServer receiver;
    final List<Process> children = new CopyOnWriteArrayList<>();
    final Map<String, Process> byName = new ConcurrentHashMap<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Per order (= Idempotency-Key of the trigger): the webhook calls received (nanoTime) and their idempotency keys. */
    final Map<String, List<Long>> callTimes = new ConcurrentHashMap<>();
    final Map<String, Set<String>> callKeys = new ConcurrentHashMap<>();
    int httpPort;

    @AfterEach
    void stop() {
        children.forEach(Process::destroyForcibly);
        if (brokers != null) {
            brokers.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void scaledOutZapsLosesAndDuplicatesNothingWhileABrokerAnExecutorAndAConnectorAreKilled() throws Exception {
        int triggers = intEnv("ZAPS_SCALE_PROOF_TRIGGERS", 2000);
        int rate = intEnv("ZAPS_SCALE_PROOF_RATE", 100);
        int executors = intEnv("ZAPS_SCALE_PROOF_EXECUTORS", 3);
        boolean kills = intEnv("ZAPS_SCALE_PROOF_KILLS", 1) == 1;
        Files.createDirectories(Path.of("target", "proof-logs"));
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        receiver.createContext("/", exchange -> {
            long at = System.nanoTime();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String order = Json.mapper().readTree(body).path("order").asString();
            callTimes.computeIfAbsent(order, k -> new CopyOnWriteArrayList<>()).add(at);
            callKeys.computeIfAbsent(order, k -> ConcurrentHashMap.newKeySet()).add(String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key")));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.setExecutor(Executors.newFixedThreadPool(8));
        receiver.start();

        brokers = BrokerCluster.start(dir.resolve("kafka"));
        log("three brokers up (pids %s) at %s", brokers.pids(), brokers.bootstrapServers());
        httpPort = ProofCluster.freePort();
        Path data = dir.resolve("data");
        List<String> started = new ArrayList<>();
        started.add(launch("api-gateway", 1, data));
        for (int i = 1; i <= 2; i++) {
            started.add(launch("trigger-service", i, data));
            started.add(launch("connector-webhook", i, data));
        }
        for (int i = 1; i <= executors; i++) {
            started.add(launch("executor-service", i, data));
        }
        for (String name : started) {
            awaitReady(name);
        }
        log("services ready: %s", started);

        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        HttpResponse<String> created = post("/api/workflows", """
                {"id": "scaled", "name": "Scaled out", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": %d}, "next_step_id": "tell"},
                           {"id": "tell", "type": "webhook", "config": {"url": "%s", "body": {"order": "{{ order }}"}}}]}"""
                .formatted(DELAY.toSeconds(), url), null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        // The load: one trigger every 1/rate s, each retried under its key until accepted (200 or 202). First a tenth
        // as many to warm up ("before"), then the load during which the processes are killed, then, with the cluster
        // whole again and the backlog drained, a tenth more ("after").
        Map<String, String> runIds = new ConcurrentHashMap<>();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        ScheduledExecutorService load = Executors.newScheduledThreadPool(64);
        long periodNanos = 1_000_000_000L / rate;
        awaitDrained(schedule(load, "before-", triggers / 10, periodNanos, runIds, sentAt), System.nanoTime(), runIds, "before");

        long loadStart = System.nanoTime();
        List<java.util.concurrent.ScheduledFuture<?>> main = schedule(load, kills ? "during-" : "load-", triggers, periodNanos, runIds, sentAt);
        if (kills) {
            sleepUntil(loadStart, Duration.ofSeconds(4));
            brokers.kill(1);
            long brokerKilled = System.nanoTime();
            log("SIGKILL broker 2");
            sleepUntil(loadStart, Duration.ofSeconds(7));
            kill("executor-service-1");
            sleepUntil(loadStart, Duration.ofSeconds(10));
            kill("connector-webhook-1");
            sleepUntil(brokerKilled, Duration.ofSeconds(20));
            long brokerRestarted = System.nanoTime();
            brokers.restart(1);
            log("broker 2 back in the cluster %d ms after its restart", (System.nanoTime() - brokerRestarted) / 1_000_000);
            try (Admin admin = brokers.admin()) {
                Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                brokers.awaitFullyReplicated(topics, Duration.ofSeconds(120));
            }
            log("every partition fully replicated again %d ms after the broker's restart", (System.nanoTime() - brokerRestarted) / 1_000_000);
        }
        long drained = awaitDrained(main, loadStart, runIds, "load");
        log("%d runs of the load in %.1f s from its first trigger to its last webhook call: %.1f runs/s (%d executors%s)",
                triggers, (drained - loadStart) / 1e9, triggers / ((drained - loadStart) / 1e9), executors, kills ? ", with the kills" : "");
        if (kills) {
            awaitDrained(schedule(load, "after-", triggers / 10, periodNanos, runIds, sentAt), System.nanoTime(), runIds, "after");
        }
        load.shutdownNow();
        int expected = triggers + triggers / 10 * (kills ? 2 : 1);

        // Latency: trigger first sent to the webhook's first call, less the delay.
        Map<String, List<Long>> phases = new java.util.TreeMap<String, List<Long>>(
                java.util.Comparator.comparing((String phase) -> List.of("before", "during", "load", "after").indexOf(phase)));
        for (Map.Entry<String, Long> sent : sentAt.entrySet()) {
            if (runIds.containsKey(sent.getKey())) {
                long latency = callTimes.get(sent.getKey()).get(0) - sent.getValue() - DELAY.toNanos();
                phases.computeIfAbsent(sent.getKey().substring(0, sent.getKey().indexOf('-')), k -> new ArrayList<>()).add(latency);
            }
        }
        for (Map.Entry<String, List<Long>> phase : phases.entrySet()) {
            List<Long> sorted = phase.getValue().stream().sorted().toList();
            log("latency %-6s (%4d runs): p50 %5d ms, p90 %5d ms, p99 %5d ms, max %5d ms", phase.getKey(), sorted.size(),
                    percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted.get(sorted.size() - 1) / 1_000_000);
        }

        // The pass criteria, all checked (and logged) even when one fails.
        SoftAssertions checks = new SoftAssertions();
        checks.assertThat(runIds).as("accepted triggers").hasSize(expected);
        Map<String, String> statuses = new HashMap<>();
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
                for (Map.Entry<String, String> run : runIds.entrySet()) {
                    if (!"completed".equals(statuses.get(run.getKey()))) {
                        HttpResponse<String> response = get("/api/runs/" + run.getValue());
                        statuses.put(run.getKey(), response.statusCode() == 200
                                ? Json.mapper().readTree(response.body()).get("status").stringValue() : "unknown");
                    }
                }
                return statuses.values().stream().allMatch("completed"::equals);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below
        }
        Map<String, Long> byStatus = statuses.values().stream().collect(Collectors.groupingBy(status -> status, Collectors.counting()));
        log("run statuses: %s", byStatus);
        // Why runs did not complete: the first few runs' errors, so a failing proof says what happened.
        statuses.entrySet().stream().filter(run -> !"completed".equals(run.getValue())).limit(5).forEach(run -> {
            try {
                log("not completed: %s -> %s", run.getKey(), get("/api/runs/" + runIds.get(run.getKey())).body());
            } catch (Exception e) {
                log("not completed: %s (%s)", run.getKey(), e);
            }
        });
        checks.assertThat(byStatus).as("every run completed").containsOnlyKeys("completed");
        // Exactly one run per accepted trigger: the runs on zaps.run-events are exactly the accepted ones.
        Set<String> runsOnTopic = distinctKeys(Topics.RUN_EVENTS);
        Set<String> extra = new HashSet<>(runsOnTopic);
        extra.removeAll(runIds.values());
        log("runs on %s: %d, of them not an accepted trigger's: %d %s", Topics.RUN_EVENTS, runsOnTopic.size(), extra.size(), extra);
        checks.assertThat(extra).as("runs no accepted trigger started").isEmpty();
        checks.assertThat(runsOnTopic).as("accepted runs on " + Topics.RUN_EVENTS).containsAll(runIds.values());
        checks.assertThat(new HashSet<>(runIds.values())).as("one run per key").hasSize(runIds.size());
        // One idempotency key per run's webhook step (a redelivery may call twice, never under another key).
        Map<String, Set<String>> twoKeys = callKeys.entrySet().stream().filter(e -> e.getValue().size() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        long duplicates = callTimes.values().stream().filter(calls -> calls.size() > 1).count();
        log("%d webhook steps called more than once under their one key, %d under more than one key", duplicates, twoKeys.size());
        checks.assertThat(twoKeys).as("webhook steps called under more than one key").isEmpty();
        List<String> deadLetters = deadLetters();
        log("records on dead-letter topics: %d", deadLetters.size());
        checks.assertThat(deadLetters).as("records on dead-letter topics").isEmpty();
        checks.assertAll();
    }

    /** Schedules {@code count} triggers keyed {@code <prefix><i>}, one every {@code periodNanos}. */
    private List<java.util.concurrent.ScheduledFuture<?>> schedule(ScheduledExecutorService load, String prefix, int count, long periodNanos,
                                                                  Map<String, String> runIds, Map<String, Long> sentAt) {
        List<java.util.concurrent.ScheduledFuture<?>> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = prefix + i;
            sends.add(load.schedule(() -> send(key, runIds, sentAt, System.nanoTime() + Duration.ofSeconds(90).toNanos()),
                    i * periodNanos, TimeUnit.NANOSECONDS));
        }
        return sends;
    }

    /** Waits until every send of a batch is done and every run it started called the receiver; returns when that was. */
    private long awaitDrained(List<java.util.concurrent.ScheduledFuture<?>> sends, long started, Map<String, String> runIds, String name)
            throws Exception {
        for (java.util.concurrent.ScheduledFuture<?> send : sends) {
            send.get(180, TimeUnit.SECONDS);
        }
        long sent = System.nanoTime();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> runIds.keySet().stream().allMatch(callTimes::containsKey));
        long drained = System.nanoTime();
        log("%s: %d triggers sent in %.1f s, every run called the receiver %.1f s after the last was sent", name, sends.size(),
                (sent - started) / 1e9, (drained - sent) / 1e9);
        return drained;
    }

    private void send(String key, Map<String, String> runIds, Map<String, Long> sentAt, long giveUpAt) {
        sentAt.putIfAbsent(key, System.nanoTime());
        while (System.nanoTime() < giveUpAt) {
            try {
                HttpResponse<String> response = post("/api/workflows/scaled/trigger", "{\"context\": {\"order\": \"" + key + "\"}}", key);
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    runIds.put(key, Json.mapper().readTree(response.body()).get("run_id").stringValue());
                    return;
                }
            } catch (IOException e) {
                // refused or timed out: the key makes a retry safe
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String launch(String service, int instance, Path data) throws IOException {
        String name = service + "-" + instance;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ProofCluster.CHILD_JVM_OPTIONS);
        command.addAll(List.of("-Dzaps.kafka.replication-factor=3", "-Dzaps.executor.replication-factor=3",
                "-Dzaps.executor.state-dir=" + dir.resolve("state-" + name),
                // a warm copy of each task's state on another executor: a dead executor's tasks move without a restore
                "-Dzaps.executor.streams[num.standby.replicas]=1",
                "-Dzaps.trigger.instance-id=" + name, "-Dzaps.trigger.listener-concurrency=3", "-Dzaps.connector.concurrency=3"));
        String extra = System.getenv("ZAPS_SCALE_PROOF_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            command.addAll(java.util.Arrays.asList(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ZapsLocal.class.getName(), "service", service));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("ZAPS_DATA_DIR", data.toString());
        env.put("ZAPS_BOOTSTRAP_SERVERS", brokers.bootstrapServers());
        env.put("ZAPS_HTTP_PORT", Integer.toString(httpPort));
        env.put("ZAPS_EXIT_WITH_PID", Long.toString(ProcessHandle.current().pid()));
        env.put("ZAPS_INSTANCE_ID", name);
        builder.redirectErrorStream(true);
        builder.redirectOutput(Path.of("target", "proof-logs", "scaled-" + name + ".log").toAbsolutePath().toFile());
        Process process = builder.start();
        children.add(process);
        byName.put(name, process);
        return name;
    }

    private void awaitReady(String name) {
        Process process = byName.get(name);
        Path log = Path.of("target", "proof-logs", "scaled-" + name + ".log").toAbsolutePath();
        String service = name.substring(0, name.lastIndexOf('-'));
        String line = service.equals("executor-service") ? "zaps executor ready" : "zaps " + service + " ready";
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ", see " + log);
            }
            return Files.readString(log).contains(line);
        });
    }

    private void kill(String name) throws InterruptedException {
        Process process = byName.get(name);
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // wall-clock time, to set against the services' logs (e.g. when the survivors took a killed executor's tasks over)
        log("SIGKILL %s at %s", name, java.time.LocalTime.now());
    }

    private Set<String> distinctKeys(String topic) {
        Set<String> keys = new HashSet<>();
        readAll(topic, record -> keys.add(record.key()));
        return keys;
    }

    private List<String> deadLetters() throws Exception {
        List<String> found = new ArrayList<>();
        try (Admin admin = brokers.admin()) {
            for (String topic : admin.listTopics().names().get(10, TimeUnit.SECONDS)) {
                if (topic.endsWith(".dlt")) {
                    readAll(topic, record -> found.add(topic + ": " + ProofCluster.header(record, Topics.HEADER_DLT_REASON)));
                }
            }
        }
        return found;
    }

    /** Every committed record of {@code topic} up to its current end. */
    private void readAll(String topic, java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read " + topic + " to its end within 60 s").isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    private HttpResponse<String> post(String path, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(15)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1_000_000;
    }

    private static void sleepUntil(long fromNanos, Duration after) throws InterruptedException {
        long wait = fromNanos + after.toNanos() - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static int intEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    }

    private static void log(String format, Object... args) {
        System.err.printf("[scale %6.1f s] %s%n", (System.nanoTime() - START) / 1e9, format.formatted(args));
    }
}
