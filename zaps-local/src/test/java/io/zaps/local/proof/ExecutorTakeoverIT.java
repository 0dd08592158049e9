package io.zaps.local.proof;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.local.LocalKafkaBroker;
import io.zaps.local.ZapsLocal;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How long a SIGKILLed executor's partitions stand still before the other executor runs them (docs/benchmarks.md,
 * session 13). One KRaft broker in this JVM ({@link LocalKafkaBroker}, the local launcher's settings), a gateway, a
 * trigger service and two executors, each its own process; a trickle of one-step runs (10/s by default), then, each round, one
 * executor is SIGKILLed (alternately), the time to each stage of its takeover is printed, and it is started again.
 *
 * <p>Per round it prints, from the kill: when the dead member left the executors' group (its session expired), when
 * the dead member's open transaction left {@code Ongoing} (the transaction coordinator aborted it), when the dead
 * member's {@code zaps.run-commands} partitions were assigned to the survivor, and when the first run on them completed
 * (its {@code run_completed}, read {@code read_committed}). It asserts only correctness: every accepted run completes,
 * exactly once. Speed is measured, not asserted.
 *
 * <p>Runs only with {@code ZAPS_TAKEOVER_PROOF=1} ({@code ZAPS_TAKEOVER_PROOF=1 mvn -B -o -pl zaps-local -am verify
 * -Dtest=none -Dit.test=ExecutorTakeoverIT -Dsurefire.failIfNoSpecifiedTests=false}); {@code ZAPS_TAKEOVER_ROUNDS}
 * (default 3) kills, {@code ZAPS_TAKEOVER_RATE} the runs a second (default 10; the busier the executors, the likelier
 * the killed one has a transaction open); {@code ZAPS_TAKEOVER_EXECUTOR_OPTS} adds JVM options to the executors (e.g.
 * {@code -Dzaps.executor.streams[producer.transaction.timeout.ms]=5000}); each kill waits until the victim has a
 * transaction open, unless {@code ZAPS_TAKEOVER_KILL_IN_TXN=0}.
 */
@EnabledIfEnvironmentVariable(named = "ZAPS_TAKEOVER_PROOF", matches = "1")
class ExecutorTakeoverIT {
    private static final long START = System.nanoTime();
    private static final String GROUP = "zaps-executor";
    private static final Pattern PROCESS_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @TempDir
    Path dir;

    LocalKafkaBroker broker;
    final Map<String, Process> byName = new ConcurrentHashMap<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicBoolean stopped = new AtomicBoolean();
    int httpPort;
    Path data;
    final Map<String, Integer> launches = new ConcurrentHashMap<>();

    /** Run id → when it was accepted (nanoTime); run id → when its run_completed was read; run id → run_completed events read. */
    final Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
    final Map<String, Long> completedAt = new ConcurrentHashMap<>();
    final Map<String, Integer> completions = new ConcurrentHashMap<>();
    final List<String> otherFinals = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        stopped.set(true);
        byName.values().forEach(Process::destroyForcibly);
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aKilledExecutorsPartitionsRunAgainOnTheOtherExecutor() throws Exception {
        int rounds = intEnv("ZAPS_TAKEOVER_ROUNDS", 3);
        boolean killInTransaction = intEnv("ZAPS_TAKEOVER_KILL_IN_TXN", 1) == 1;
        Files.createDirectories(Path.of("target", "proof-logs"));
        data = dir.resolve("data");
        broker = new LocalKafkaBroker(data, ProofCluster.freePort(), ProofCluster.freePort()).start();
        httpPort = ProofCluster.freePort();
        List<String> names = List.of(launch("api-gateway", 1), launch("trigger-service", 1), launch("executor-service", 1),
                launch("executor-service", 2));
        names.forEach(this::awaitReady);
        log("broker %s, services ready: %s", broker.bootstrapServers(), names);
        HttpResponse<String> created = post("/api/workflows", """
                {"id": "tko", "name": "Takeover", "entry_point": "t",
                 "steps": [{"id": "t", "type": "transform", "config": {"output": {"ok": true}}}]}""", null);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        Thread events = new Thread(this::readRunEvents, "run-events-reader");
        events.setDaemon(true);
        events.start();
        Thread load = new Thread(this::trickle, "trickle");
        load.setDaemon(true);
        load.start();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            int partitions = admin.describeTopics(List.of(Topics.RUN_COMMANDS)).allTopicNames().get(10, TimeUnit.SECONDS)
                    .get(Topics.RUN_COMMANDS).partitions().size();
            Thread.sleep(5_000);
            for (int round = 1; round <= rounds; round++) {
                String victim = "executor-service-" + (round % 2 == 1 ? 1 : 2);
                Map<String, MemberDescription> members = awaitBothAssigned(admin);
                MemberDescription dead = members.get(victim);
                Set<TopicPartition> its = runCommandPartitions(dead);
                String processId = processId(dead.clientId());
                String survivor = members.keySet().stream().filter(name -> !name.equals(victim)).findFirst().orElseThrow();
                Thread.sleep(3_000);
                if (killInTransaction) {
                    awaitOpenTransaction(admin, processId);
                }

                long killed = kill(victim);
                long memberGone = -1;
                long txnDone = -1;
                long assigned = -1;
                long firstRun = -1;
                String txnState = "?";
                Set<String> openAtKill = openTransactions(admin, processId);
                if (openAtKill.isEmpty()) {
                    txnDone = killed;
                    txnState = "none open at the kill";
                }
                long giveUp = killed + Duration.ofSeconds(90).toNanos();
                while ((memberGone < 0 || txnDone < 0 || assigned < 0 || firstRun < 0) && System.nanoTime() < giveUp) {
                    long now = System.nanoTime();
                    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP);
                    if (memberGone < 0 && group.members().stream().noneMatch(m -> victim.equals(instance(m)))) {
                        memberGone = now;
                    }
                    if (assigned < 0 && group.members().stream().filter(m -> survivor.equals(instance(m)))
                            .anyMatch(m -> m.assignment().topicPartitions().containsAll(its))) {
                        assigned = now;
                    }
                    if (txnDone < 0) {
                        Map<String, TransactionDescription> txns = admin.describeTransactions(openAtKill).all().get(10, TimeUnit.SECONDS);
                        if (txns.values().stream().noneMatch(t -> t.state() == TransactionState.ONGOING)) {
                            txnDone = now;
                            txnState = txns.values().stream().map(t -> t.state().toString()).collect(Collectors.joining(","));
                        }
                    }
                    if (firstRun < 0) {
                        firstRun = completedAt.entrySet().stream()
                                .filter(e -> e.getValue() > killed && its.contains(new TopicPartition(Topics.RUN_COMMANDS, partition(e.getKey(), partitions))))
                                .mapToLong(Map.Entry::getValue).min().orElse(-1);
                    }
                    Thread.sleep(50);
                }
                log("round %d: SIGKILL %s (partitions %s, %d open transaction(s) %s); from the kill: member left the group %s, "
                                + "its transaction done %s (%s), partitions assigned to %s %s, first of their runs completed %s",
                        round, victim, its.stream().map(TopicPartition::partition).sorted().toList(), openAtKill.size(), openAtKill,
                        since(killed, memberGone), since(killed, txnDone), txnState, survivor, since(killed, assigned), since(killed, firstRun));
                long window = killed + Duration.ofSeconds(60).toNanos();
                List<Long> after = acceptedAt.entrySet().stream().filter(e -> e.getValue() > killed - Duration.ofSeconds(1).toNanos() && e.getValue() < window)
                        .filter(e -> completedAt.containsKey(e.getKey())).map(e -> completedAt.get(e.getKey()) - e.getValue()).sorted().toList();
                if (!after.isEmpty()) {
                    log("round %d: runs accepted from 1 s before the kill: %d completed so far, latency max %d ms", round, after.size(),
                            after.get(after.size() - 1) / 1_000_000);
                }
                assertThat(firstRun).as("a run on the killed executor's partitions completed within 90 s").isPositive();
                launch(victim.substring(0, victim.lastIndexOf('-')), Integer.parseInt(victim.substring(victim.lastIndexOf('-') + 1)));
                awaitReady(victim);
                log("round %d: %s started again", round, victim);
            }
        }
        stopped.set(true);
        load.join(30_000);
        Set<String> accepted = new HashSet<>(acceptedAt.keySet());
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> completedAt.keySet().containsAll(accepted));
        Thread.sleep(2_000);
        log("%d runs accepted, %d completed, other final events %s", accepted.size(), completedAt.size(), otherFinals);
        assertThat(otherFinals).as("runs that failed or were cancelled").isEmpty();
        assertThat(completions.entrySet().stream().filter(e -> e.getValue() != 1).map(Map.Entry::getKey).toList())
                .as("runs completed more than once").isEmpty();
        assertThat(completedAt.keySet()).as("runs no accepted trigger started").isEqualTo(accepted);
    }

    // ------------------------------------------------------------------ the load and what it did

    /** {@code ZAPS_TAKEOVER_RATE} triggers a second (default 10), each retried under its key until accepted, until the test stops. */
    private void trickle() {
        long period = 1_000_000_000L / intEnv("ZAPS_TAKEOVER_RATE", 10);
        for (int i = 0; !stopped.get(); i++) {
            long next = System.nanoTime() + period;
            String key = "tko-" + i;
            long giveUpAt = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < giveUpAt) {
                try {
                    HttpResponse<String> response = post("/api/workflows/tko/trigger", "{}", key);
                    if (response.statusCode() == 202 || response.statusCode() == 200) {
                        acceptedAt.putIfAbsent(Json.mapper().readTree(response.body()).get("run_id").stringValue(), System.nanoTime());
                        break;
                    }
                } catch (IOException e) {
                    // the key makes a retry safe
                } catch (InterruptedException e) {
                    return;
                }
                sleep(200);
            }
            sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        }
    }

    /** Reads zaps.run-events, committed records only, as they come: when each run completed and how often. */
    private void readRunEvents() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.RUN_EVENTS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    String type = ProofCluster.header(record, Topics.HEADER_EVENT_TYPE);
                    if ("run_completed".equals(type)) {
                        completedAt.putIfAbsent(record.key(), System.nanoTime());
                        completions.merge(record.key(), 1, Integer::sum);
                    } else if ("run_failed".equals(type) || "run_cancelled".equals(type) || "run_rejected".equals(type)) {
                        otherFinals.add(record.key() + " " + type);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ the executors' group and transactions

    /** Waits until both executors are in the group, each with run-command partitions; returns them by instance name. */
    private Map<String, MemberDescription> awaitBothAssigned(Admin admin) {
        Map<String, MemberDescription> members = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
            members.clear();
            for (MemberDescription member : admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP).members()) {
                if (instance(member) != null && !runCommandPartitions(member).isEmpty()) {
                    members.put(instance(member), member);
                }
            }
            return members.size() == 2;
        });
        return members;
    }

    /** The launcher's instance name (e.g. executor-service-1) in a member's group.instance.id. */
    private static String instance(MemberDescription member) {
        String id = member.groupInstanceId().orElse("");
        Matcher matcher = Pattern.compile("executor-service-\\d").matcher(id);
        return matcher.find() ? matcher.group() : null;
    }

    private static Set<TopicPartition> runCommandPartitions(MemberDescription member) {
        return member.assignment().topicPartitions().stream().filter(p -> p.topic().equals(Topics.RUN_COMMANDS)).collect(Collectors.toSet());
    }

    /** Kafka Streams' process id, part of its clients' ids and of its transactional id. */
    private static String processId(String clientId) {
        Matcher matcher = PROCESS_ID.matcher(clientId);
        assertThat(matcher.find()).as("a process id in " + clientId).isTrue();
        return matcher.group();
    }

    /** The transactional ids of {@code processId} whose transaction is open. */
    private static Set<String> openTransactions(Admin admin, String processId) throws Exception {
        Set<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
                .map(TransactionListing::transactionalId).filter(id -> id.contains(processId)).collect(Collectors.toSet());
        if (ids.isEmpty()) {
            return ids;
        }
        return admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                .filter(e -> e.getValue().state() == TransactionState.ONGOING).map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /**
     * Waits (up to 10 s) until a transaction of {@code processId} is open, so that the kill leaves one behind as it
     * would on a busy executor (at a trickle the executor's transactions are open for milliseconds between commits).
     */
    private static void awaitOpenTransaction(Admin admin, String processId) throws Exception {
        Set<String> ids = admin.listTransactions().all().get(10, TimeUnit.SECONDS).stream()
                .map(TransactionListing::transactionalId).filter(id -> id.contains(processId)).collect(Collectors.toSet());
        long giveUp = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ids.isEmpty() && System.nanoTime() < giveUp) {
            if (admin.describeTransactions(ids).all().get(10, TimeUnit.SECONDS).values().stream()
                    .anyMatch(t -> t.state() == TransactionState.ONGOING)) {
                return;
            }
        }
    }

    /** The partition of zaps.run-commands a run's commands go to (the producers' default partitioner, keyed by run id). */
    private static int partition(String runId, int partitions) {
        return Utils.toPositive(Utils.murmur2(runId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    // ------------------------------------------------------------------ processes

    private String launch(String service, int instance) throws IOException {
        String name = service + "-" + instance;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ProofCluster.CHILD_JVM_OPTIONS);
        command.add("-Dzaps.executor.state-dir=" + dir.resolve("state-" + name));
        String extra = System.getenv("ZAPS_TAKEOVER_EXECUTOR_OPTS");
        if (service.equals("executor-service") && extra != null && !extra.isBlank()) {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ZapsLocal.class.getName(), "service", service));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("ZAPS_DATA_DIR", data.toString());
        env.put("ZAPS_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("ZAPS_HTTP_PORT", Integer.toString(httpPort));
        env.put("ZAPS_EXIT_WITH_PID", Long.toString(ProcessHandle.current().pid()));
        env.put("ZAPS_INSTANCE_ID", name);
        builder.redirectErrorStream(true);
        launches.merge(name, 1, Integer::sum);
        builder.redirectOutput(logOf(name).toFile());
        byName.put(name, builder.start());
        return name;
    }

    private Path logOf(String name) {
        return Path.of("target", "proof-logs", "takeover-" + name + "-" + launches.get(name) + ".log").toAbsolutePath();
    }

    private void awaitReady(String name) {
        Process process = byName.get(name);
        String service = name.substring(0, name.lastIndexOf('-'));
        String line = service.equals("executor-service") ? "zaps executor ready" : "zaps " + service + " ready";
        long from = System.nanoTime();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ", see " + logOf(name));
            }
            return Files.readString(logOf(name)).contains(line);
        });
        log("%s ready in %.1f s", name, (System.nanoTime() - from) / 1e9);
    }

    /** SIGKILL; returns when the process is gone (nanoTime). */
    private long kill(String name) throws InterruptedException {
        Process process = byName.remove(name);
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long at = System.nanoTime();
        log("SIGKILL %s (pid %d)", name, process.pid());
        return at;
    }

    // ------------------------------------------------------------------ helpers

    private HttpResponse<String> post(String path, String body, String idempotencyKey) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String since(long from, long at) {
        return at < 0 ? "never (90 s)" : "%.1f s".formatted((at - from) / 1e9);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int intEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
    }

    private static void log(String format, Object... args) {
        System.err.printf("[takeover %6.1f s] %s%n", (System.nanoTime() - START) / 1e9, format.formatted(args));
    }
}
