package io.zaps.local;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker + controller), started from the
 * Kafka server classes on Maven Central: no Docker, no downloads. Its log lives under
 * {@code <data>/kafka}, formatted once, so stopping the process (even with SIGKILL) and starting it
 * again keeps every topic, offset and state-store changelog.
 */
public final class LocalKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalKafkaBroker.class);

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private KafkaRaftServer server;

    public LocalKafkaBroker(Path dataDir, int port, int controllerPort) {
        this.logDir = dataDir.toAbsolutePath().normalize().resolve("kafka");
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** {@code host:port} for clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path logDir() {
        return logDir;
    }

    public synchronized LocalKafkaBroker start() throws IOException {
        Files.createDirectories(logDir);
        Properties props = serverProperties();
        Path propsFile = logDir.getParent().resolve("kafka-server.properties");
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            props.store(out, "written by zaps-local on every start; edit ZAPS_* settings instead");
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(propsFile);
        }
        server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        log.info("Kafka broker (KRaft) listening on {} with its log in {}", bootstrapServers(), logDir);
        return this;
    }

    private void format(Path propsFile) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        int exit = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"},
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        if (exit != 0) {
            throw new IllegalStateException("could not format the Kafka log in " + logDir + ": " + buffer.toString(StandardCharsets.UTF_8));
        }
        log.info("formatted a new Kafka log in {} (cluster id {})", logDir, clusterId);
    }

    private Properties serverProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "6");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // One JVM with every service on a few cores: more broker threads only contend (measured).
        p.put("num.network.threads", "1");
        p.put("num.io.threads", "2");
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        // Every fsync on the shared disk makes the file system commit its journal, and writers that need
        // it meanwhile wait. Measured with strace: the controller's no-op record every 500 ms cost a
        // metadata-log fsync and two index msyncs (5-70 ms), the scheduler's checkpoints (high watermarks
        // every 5 s) fsyncs of up to 35 ms; without them the 50 runs/s p99 and the 1,000 runs/s p50 fell
        // (docs/benchmarks.md). A single combined node needs neither that often: no other broker watches
        // its metadata log for liveness, and an older high-watermark checkpoint after a crash only starts
        // a partition's high watermark lower until its sole replica, the leader, moves it to the log end.
        // Log data itself is never fsynced by Kafka by default, so a killed process loses nothing more.
        p.put("metadata.max.idle.interval.ms", "0");
        p.put("replica.high.watermark.checkpoint.interval.ms", "60000");
        return p;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
            log.info("Kafka broker stopped");
        }
    }
}
