package io.zaps.local.proof;

import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A three-node KRaft cluster, each node (broker and controller) its own OS process started from the Kafka
 * artifacts on the test class path ({@code java -cp <test class path> kafka.Kafka <node>.properties}), with
 * replication factor 3 and {@code min.insync.replicas} 2 for every topic, internal ones included. Each node's
 * log is formatted once (Kafka's storage tool, in this JVM) so that a killed node restarts on its own data.
 */
final class BrokerCluster implements AutoCloseable {
    static final int NODES = 3;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final int[] ports = new int[NODES];
    private final int[] controllerPorts = new int[NODES];
    private final Process[] processes = new Process[NODES];
    private final int[] launches = new int[NODES];
    private final Thread killOnExit = new Thread(this::killAll, "broker-cluster-killer");

    private BrokerCluster(Path dir) throws IOException {
        this.dir = dir;
        for (int i = 0; i < NODES; i++) {
            ports[i] = ProofCluster.freePort();
            controllerPorts[i] = ProofCluster.freePort();
        }
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Formats and starts the three nodes; returns once all three are brokers of the cluster. */
    static BrokerCluster start(Path dir) throws IOException {
        BrokerCluster cluster = new BrokerCluster(dir);
        String clusterId = Uuid.randomUuid().toString();
        for (int i = 0; i < NODES; i++) {
            Path props = cluster.writeProperties(i);
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int exit = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", props.toString(), "--ignore-formatted"},
                    new PrintStream(buffer, true, StandardCharsets.UTF_8));
            assertThat(exit).as(buffer.toString(StandardCharsets.UTF_8)).isZero();
        }
        for (int i = 0; i < NODES; i++) {
            cluster.launch(i);
        }
        cluster.awaitBrokers(NODES, START_TIMEOUT);
        return cluster;
    }

    String bootstrapServers() {
        List<String> servers = new ArrayList<>();
        for (int port : ports) {
            servers.add("127.0.0.1:" + port);
        }
        return String.join(",", servers);
    }

    /** SIGKILL of node {@code i} (0-based). */
    void kill(int i) throws InterruptedException {
        processes[i].destroyForcibly();
        assertThat(processes[i].waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Starts node {@code i} again on its log; returns once it is a broker of the cluster again. */
    void restart(int i) throws IOException {
        launch(i);
        awaitBrokers(NODES, START_TIMEOUT);
    }

    /** Waits until every partition of {@code topics} has all its replicas in sync again; returns when that was. */
    void awaitFullyReplicated(Set<String> topics, Duration atMost) {
        try (Admin admin = admin()) {
            await().atMost(atMost).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
                return described.values().stream().flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.isr().size() == NODES && p.leader() != null);
            });
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    }

    private void awaitBrokers(int count, Duration atMost) {
        try (Admin admin = admin()) {
            await().atMost(atMost).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
                for (int i = 0; i < NODES; i++) {
                    if (processes[i] != null && !processes[i].isAlive() && launches[i] > 0 && processes[i].exitValue() != 137) {
                        throw new AssertionError("broker " + (i + 1) + " exited with " + processes[i].exitValue());
                    }
                }
                return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() == count;
            });
        }
    }

    private Path writeProperties(int i) throws IOException {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(i + 1));
        List<String> voters = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            voters.add((n + 1) + "@127.0.0.1:" + controllerPorts[n]);
        }
        p.put("controller.quorum.voters", String.join(",", voters));
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + ports[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[i]);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("node-" + (i + 1)).toString());
        p.put("num.partitions", "6");
        p.put("default.replication.factor", "3");
        p.put("min.insync.replicas", "2");
        p.put("offsets.topic.replication.factor", "3");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "3");
        p.put("transaction.state.log.min.isr", "2");
        p.put("transaction.state.log.num.partitions", "6");
        // Abort a killed executor's open transaction within 1 s of its timeout, not 10 s (LocalKafkaBroker says why).
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        p.put("share.coordinator.state.topic.replication.factor", "3");
        p.put("share.coordinator.state.topic.min.isr", "2");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("log.segment.bytes", Integer.toString(16 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(4 * 1024 * 1024));
        Path file = dir.resolve("node-" + (i + 1) + ".properties");
        Files.createDirectories(dir);
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "a node of the proof's three-node KRaft cluster");
        }
        return file;
    }

    private void launch(int i) throws IOException {
        launches[i]++;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ProofCluster.CHILD_JVM_OPTIONS);
        // The broker's log4j2 configuration is not on the test class path: its output goes through logback-test.xml.
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "kafka.Kafka", dir.resolve("node-" + (i + 1) + ".properties").toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "proof-logs", "broker-" + (i + 1) + ".log").toAbsolutePath().toFile()));
        processes[i] = builder.start();
    }

    /** The nodes' pids, for the log. */
    String pids() {
        return java.util.Arrays.stream(processes).map(p -> Long.toString(p.pid())).collect(Collectors.joining(","));
    }

    private void killAll() {
        for (Process process : processes) {
            if (process != null) {
                process.destroyForcibly();
            }
        }
        for (Process process : processes) {
            try {
                if (process != null) {
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }
}
