package io.zaps.local.proof;

import io.zaps.contract.Json;
import io.zaps.local.LocalKafkaBroker;
import io.zaps.local.ZapsLocal;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The system the proof tests crash: one real KRaft broker in this JVM, and every Zaps service as its
 * own OS process ({@code java -cp <test class path> io.zaps.local.ZapsLocal service <name>}, as
 * configured by the local launcher: one data folder, static group membership), started on demand and
 * killed with SIGKILL by the tests.
 *
 * <p>One cluster per test JVM, shared by the proof test classes ({@link Extension} keeps it in JUnit's
 * root store): starting the services once keeps the suite short. JUnit closes it after the last test,
 * whatever failed, which kills every child process; the children also halt by themselves when this
 * JVM is gone ({@code ZAPS_EXIT_WITH_PID}). Each child's output is in
 * {@code target/proof-logs/<service>-<n>.log}; timings go to stderr.
 */
final class ProofCluster implements AutoCloseable {
    /** The services, with the line each logs once it consumes (or, for the gateway, serves). */
    enum Service {
        EXECUTOR("executor-service", "zaps executor ready"),
        TRIGGER("trigger-service", "zaps trigger-service ready"),
        GATEWAY("api-gateway", "zaps api-gateway ready"),
        WEBHOOK("connector-webhook", "zaps connector-webhook ready"),
        EMAIL("connector-email", "zaps connector-email ready"),
        PDF("connector-pdf", "zaps connector-pdf ready");

        final String configName;
        final String readyLine;

        Service(String configName, String readyLine) {
            this.configName = configName;
            this.readyLine = readyLine;
        }
    }

    /** Light child JVMs: the machine may have two cores shared with a build. */
    static final List<String> CHILD_JVM_OPTIONS = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:-UsePerfData", "-Djava.net.preferIPv4Stack=true");
    static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final long createdAt = System.nanoTime();
    private final Path dataDir;
    private final Path logDir;
    private final LocalKafkaBroker broker;
    private final int httpPort;
    private final Map<Service, Child> children = new EnumMap<>(Service.class);
    private final Map<Service, Integer> launches = new EnumMap<>(Service.class);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Thread killChildrenOnExit = new Thread(this::killAll, "proof-children-killer");

    private record Child(Process process, Path log, long startedAt) {}

    private ProofCluster(Path dataDir, Path logDir, LocalKafkaBroker broker, int httpPort) {
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.broker = broker;
        this.httpPort = httpPort;
        Runtime.getRuntime().addShutdownHook(killChildrenOnExit);
    }

    static ProofCluster start() throws IOException {
        long started = System.nanoTime();
        Path dataDir = Files.createTempDirectory("zaps-proof");
        Path logDir = Path.of("target", "proof-logs").toAbsolutePath();
        deleteRecursively(logDir);
        Files.createDirectories(logDir);
        LocalKafkaBroker broker = new LocalKafkaBroker(dataDir, freePort(), freePort()).start();
        ProofCluster cluster = new ProofCluster(dataDir, logDir, broker, freePort());
        cluster.log("broker up on %s in %d ms (data %s)", broker.bootstrapServers(), (System.nanoTime() - started) / 1_000_000, dataDir);
        return cluster;
    }

    /** Resolves a {@link ProofCluster} parameter (e.g. of a {@code @BeforeAll}) to the one shared cluster. */
    static final class Extension implements ParameterResolver {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ProofCluster.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == ProofCluster.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(NAMESPACE).computeIfAbsent(ProofCluster.class, key -> {
                try {
                    return ProofCluster.start();
                } catch (IOException e) {
                    throw new IllegalStateException("cannot start the proof cluster", e);
                }
            }, ProofCluster.class);
        }
    }

    // ------------------------------------------------------------------ processes

    /** Starts each of {@code services} that is not running and waits until all of them are ready. */
    synchronized void ensureRunning(Service... services) {
        List<Service> started = new ArrayList<>();
        for (Service service : services) {
            Child child = children.get(service);
            if (child == null || !child.process().isAlive()) {
                launch(service);
                started.add(service);
            }
        }
        started.forEach(this::awaitReady);
    }

    /** Starts {@code service} (again) and waits until it is ready. */
    void start(Service service) {
        ensureRunning(service);
    }

    /** SIGKILL: no shutdown hook, no leaving the group, no flushing; returns once the process is gone. */
    synchronized void kill(Service service) {
        Child child = children.remove(service);
        assertThat(child).as(service + " is not running").isNotNull();
        child.process().destroyForcibly();
        try {
            assertThat(child.process().waitFor(30, TimeUnit.SECONDS)).as(service + " did not die").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        log("killed %s (pid %d, SIGKILL, exit %d) after %.1f s", service.configName, child.process().pid(),
                child.process().exitValue(), (System.nanoTime() - child.startedAt()) / 1e9);
    }

    private void launch(Service service) {
        int launch = launches.merge(service, 1, Integer::sum);
        Path log = logDir.resolve(service.configName + "-" + launch + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(CHILD_JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ZapsLocal.class.getName(), "service", service.configName));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("ZAPS_DATA_DIR", dataDir.toString());
        env.put("ZAPS_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("ZAPS_HTTP_PORT", Integer.toString(httpPort));
        env.put("ZAPS_EXIT_WITH_PID", Long.toString(ProcessHandle.current().pid()));
        builder.redirectErrorStream(true);
        builder.redirectOutput(log.toFile());
        try {
            children.put(service, new Child(builder.start(), log, System.nanoTime()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + service.configName, e);
        }
    }

    private void awaitReady(Service service) {
        Child child = children.get(service);
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            String output = Files.readString(child.log());
            if (!child.process().isAlive()) {
                throw new AssertionError(service.configName + " exited with " + child.process().exitValue() + ":\n" + tail(output));
            }
            return output.contains(service.readyLine);
        });
        log("%s ready (pid %d) in %.1f s", service.configName, child.process().pid(), (System.nanoTime() - child.startedAt()) / 1e9);
    }

    /** The end of the running (or last) instance's log, for a failure message. */
    synchronized String logTail(Service service) {
        Child child = children.get(service);
        try {
            if (child == null) {
                return "(" + service.configName + " not started)";
            }
            String state = child.process().isAlive() ? "running" : "exited with " + child.process().exitValue();
            return service.configName + " (pid " + child.process().pid() + ", " + state + ") log:\n" + tail(Files.readString(child.log()));
        } catch (IOException e) {
            return "(" + service.configName + " log unreadable: " + e + ")";
        }
    }

    private static String tail(String output) {
        return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
    }

    private void killAll() {
        for (Child child : children.values()) {
            child.process().destroyForcibly();
        }
        for (Child child : children.values()) {
            try {
                child.process().waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        children.clear();
    }

    @Override
    public synchronized void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killChildrenOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
        broker.close();
        deleteRecursively(dataDir);
        log("cluster closed");
    }

    // ------------------------------------------------------------------ the gateway

    String gatewayUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    HttpResponse<String> post(String path, String body, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gatewayUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gatewayUrl() + path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    void createWorkflow(String definition) throws IOException, InterruptedException {
        HttpResponse<String> created = post("/api/workflows", definition);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** Triggers {@code workflowId} and returns the promised run id. */
    String trigger(String workflowId, String body) throws IOException, InterruptedException {
        HttpResponse<String> accepted = post("/api/workflows/" + workflowId + "/trigger", body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    /** The run's snapshot, or null while the gateway does not know it. */
    JsonNode run(String runId) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/runs/" + runId);
        return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : null;
    }

    /** Waits until the run's status is one of {@code statuses}; returns that snapshot. */
    JsonNode awaitRun(String runId, Duration atMost, Set<String> statuses) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            last[0] = run(runId);
            return last[0] != null && statuses.contains(last[0].get("status").stringValue());
        });
        return last[0];
    }

    JsonNode awaitFinal(String runId, Duration atMost) {
        return awaitRun(runId, atMost, Set.of("completed", "failed", "cancelled"));
    }

    // ------------------------------------------------------------------ Kafka

    String bootstrapServers() {
        return broker.bootstrapServers();
    }

    KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Reads {@code topic} from the beginning (every partition, no consumer group, committed records
     * only) until the records read so far satisfy {@code done}; returns them.
     */
    List<ConsumerRecord<String, byte[]>> read(String topic, Duration atMost, Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        return read(topic, atMost, done, false);
    }

    /** As {@link #read(String, Duration, Predicate)}; with {@code untilTimeout}, returns what was read when {@code atMost} is up. */
    List<ConsumerRecord<String, byte[]>> read(String topic, Duration atMost, Predicate<List<ConsumerRecord<String, byte[]>>> done,
                                              boolean untilTimeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !consumer.partitionsFor(topic).isEmpty());
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map((PartitionInfo p) -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + atMost.toNanos();
            while (!done.test(records)) {
                if (System.nanoTime() > deadline) {
                    if (untilTimeout) {
                        break;
                    }
                    throw new AssertionError("not found on " + topic + " within " + atMost + " (" + records.size() + " records read)");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ helpers

    /** A timestamped line on stderr: how long each step of a proof took on this machine. */
    void log(String format, Object... args) {
        System.err.printf("[proof %6.1f s] %s%n", (System.nanoTime() - createdAt) / 1e9, format.formatted(args));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort: a temp folder
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
