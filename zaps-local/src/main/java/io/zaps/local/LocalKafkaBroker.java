package io.zaps.local;

import io.zaps.store.DataFolders;
import io.zaps.contract.Topics;
import io.zaps.kafka.KafkaClientSecurity;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * A real single-node Kafka broker in KRaft mode (combined broker + controller), started from the
 * Kafka server classes on Maven Central: no Docker, no downloads. Its log lives under
 * {@code <data>/kafka}, formatted once, so stopping the process (even with SIGKILL) and starting it
 * again keeps every topic, offset and state-store changelog.
 *
 * <p>Open (PLAINTEXT, no ACLs) by default, as {@code ./zaps up} runs it. With a {@link Security} it
 * runs as a production broker should (docs/security.md): clients authenticate with SASL/SCRAM and
 * Kafka's {@code StandardAuthorizer} allows only what ACLs grant.
 */
public final class LocalKafkaBroker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalKafkaBroker.class);
    private static final String AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    /** The principal the broker's own controller connections use (SASL/PLAIN: KRaft cannot use SCRAM there). */
    private static final String CONTROLLER_USER = "controller";
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The secured mode: one SASL_PLAINTEXT listener with SCRAM, the {@code StandardAuthorizer}, no access
     * without an ACL. {@code services} is a super user, the principal Zaps' own services run as;
     * {@code outside} stands for the programs outside Zaps and may write only the public topic
     * {@code zaps.triggers} ({@link #outsideProducerAcls}). The services' SCRAM credentials are written
     * when the log is formatted (KRaft keeps them in its metadata log; they must exist before the broker
     * can authenticate anyone), so a secured broker needs a fresh data folder; the outside user's
     * credentials and ACLs are set through the Admin API at every start, as an operator would.
     *
     * @param services SASL/SCRAM credentials of Zaps' services (super user)
     * @param outside  SASL/SCRAM credentials of an outside producer (same mechanism)
     */
    public record Security(KafkaClientSecurity services, KafkaClientSecurity outside) {
        // The storage tool's --add-scram syntax has no escaping: keep names and passwords to these.
        private static final Pattern PLAIN_TOKEN = Pattern.compile("[A-Za-z0-9._~!@#%^*+-]{1,200}");

        public Security {
            for (KafkaClientSecurity user : List.of(services, outside)) {
                if (!user.isSasl() || !user.mechanism().startsWith("SCRAM-")) {
                    throw new IllegalArgumentException("the secured broker authenticates with SASL/SCRAM only (was " + user + ")");
                }
                if (!PLAIN_TOKEN.matcher(user.username()).matches() || !PLAIN_TOKEN.matcher(user.password()).matches()) {
                    throw new IllegalArgumentException("user names and passwords of the secured broker must match " + PLAIN_TOKEN);
                }
            }
            if (!services.mechanism().equals(outside.mechanism())) {
                throw new IllegalArgumentException("services and outside must use one SCRAM mechanism");
            }
            if (services.username().equals(outside.username()) || services.username().equals(CONTROLLER_USER)
                    || outside.username().equals(CONTROLLER_USER)) {
                throw new IllegalArgumentException("services, outside and '" + CONTROLLER_USER + "' must be different users");
            }
        }
    }

    private final Path logDir;
    private final int port;
    private final int controllerPort;
    private final Security security;
    private KafkaRaftServer server;

    public LocalKafkaBroker(Path dataDir, int port, int controllerPort) {
        this(dataDir, port, controllerPort, null);
    }

    /** @param security the secured mode, or null for the open broker */
    public LocalKafkaBroker(Path dataDir, int port, int controllerPort, Security security) {
        this.logDir = DataFolders.kafkaLog(dataDir);
        this.port = port;
        this.controllerPort = controllerPort;
        this.security = security;
    }

    /**
     * What the outside principal may do: write (and so describe) the public triggers topic, nothing
     * else. Its idempotent producer needs no cluster ACL: WRITE on a topic implies IDEMPOTENT_WRITE.
     */
    public static List<AclBinding> outsideProducerAcls(String username) {
        ResourcePattern triggers = new ResourcePattern(ResourceType.TOPIC, Topics.TRIGGERS, PatternType.LITERAL);
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation operation : List.of(AclOperation.WRITE, AclOperation.DESCRIBE)) {
            acls.add(new AclBinding(triggers, new AccessControlEntry("User:" + username, "*", operation, AclPermissionType.ALLOW)));
        }
        return acls;
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
        // The file is for the storage tool and for reading; the login secrets stay in memory.
        Properties withoutSecrets = new Properties();
        props.forEach((name, value) -> {
            if (!name.toString().endsWith("sasl.jaas.config")) {
                withoutSecrets.put(name, value);
            }
        });
        try (OutputStream out = Files.newOutputStream(propsFile)) {
            withoutSecrets.store(out, "written by zaps-local on every start; edit ZAPS_* settings instead");
        }
        if (!Files.exists(logDir.resolve("meta.properties"))) {
            format(propsFile);
        }
        server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server.startup();
        if (security != null) {
            try {
                grantOutside();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        log.info("Kafka broker (KRaft) listening on {}{} with its log in {}", bootstrapServers(),
                security == null ? "" : " (SASL/" + security.services().mechanism() + ", ACLs)", logDir);
        return this;
    }

    private void format(Path propsFile) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        String clusterId = Uuid.randomUuid().toString();
        List<String> args = new ArrayList<>(List.of("format", "-t", clusterId, "-c", propsFile.toString(), "--ignore-formatted"));
        if (security != null) {
            KafkaClientSecurity services = security.services();
            args.addAll(List.of("--add-scram", services.mechanism() + "=[name=" + services.username() + ",password=" + services.password() + "]"));
        }
        int exit = StorageTool.execute(args.toArray(String[]::new), new PrintStream(buffer, true, StandardCharsets.UTF_8));
        if (exit != 0) {
            throw new IllegalStateException("could not format the Kafka log in " + logDir + ": " + buffer.toString(StandardCharsets.UTF_8));
        }
        log.info("formatted a new Kafka log in {} (cluster id {})", logDir, clusterId);
    }

    /** As the services' super user: the outside user's SCRAM credentials and its ACLs (both idempotent). */
    private void grantOutside() {
        KafkaClientSecurity outside = security.outside();
        Map<String, Object> config = new HashMap<>(security.services().clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "zaps-local-broker-setup");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) SETUP_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(config)) {
            ScramMechanism mechanism = ScramMechanism.fromMechanismName(outside.mechanism());
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(outside.username(),
                    new ScramCredentialInfo(mechanism, 8192), outside.password()))).all().get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            admin.createAcls(outsideProducerAcls(outside.username())).all().get(SETUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not set up the outside user on the secured broker as '" + security.services().username()
                    + "' (a log formatted without secured mode has no credentials for it; use a fresh data folder): "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up the secured broker", e);
        }
    }

    private Properties serverProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (security == null) {
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            securedListeners(p);
        }
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "6");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        // A SIGKILLed executor leaves its exactly-once transaction open; until the coordinator aborts it, the partitions
        // it wrote to hold back read_committed readers, and the executor taking its tasks over cannot fetch their
        // committed offsets. The coordinator aborts a transaction once it is older than its transaction.timeout.ms
        // (Kafka Streams: 10 s), but looks only every transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s
        // by default): the killed executor's runs resumed 15.7-19.8 s after the kill, 0.5-1.1 s after the abort (9.6-12.3 s
        // when no transaction was open). Looking every second, the abort comes at most 1 s past the timeout and the runs
        // resumed 11.8-12.3 s after the kill (ExecutorTakeoverIT; docs/benchmarks.md, session 13). The scan walks the
        // coordinator's transaction states in memory.
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
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
        // After a crash the controller (this same process, restarted) still holds the dead broker's registration
        // and accepts the new incarnation's only once that lease has run out: broker.session.timeout.ms, 9 s by
        // default, was the largest part of a restart after SIGKILL (docs/benchmarks.md, session 11). The node
        // heartbeats to itself over loopback; a pause longer than the lease fences it until its next heartbeat.
        p.put("broker.heartbeat.interval.ms", "500");
        p.put("broker.session.timeout.ms", "2000");
        return p;
    }

    /**
     * Clients and the broker's own connections to itself (transaction markers) use SASL/SCRAM as the
     * services' user; the controller listener uses SASL/PLAIN with a password made up at each start,
     * so that nothing reaches the controller unauthenticated either.
     */
    private void securedListeners(Properties p) {
        KafkaClientSecurity services = security.services();
        String mechanism = services.mechanism();
        p.put("listeners", "SASL_PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SASL_PLAINTEXT://127.0.0.1:" + port);
        p.put("inter.broker.listener.name", "SASL_PLAINTEXT");
        p.put("listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", mechanism);
        p.put("sasl.mechanism.inter.broker.protocol", mechanism);
        p.put("listener.name.sasl_plaintext." + mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                KafkaClientSecurity.jaasConfig(mechanism, services.username(), services.password()));
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String controllerPassword = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.controller.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"" + CONTROLLER_USER + "\" password=\"" + controllerPassword + "\""
                + " user_" + CONTROLLER_USER + "=\"" + controllerPassword + "\";");
        p.put("authorizer.class.name", AUTHORIZER);
        p.put("super.users", "User:" + services.username() + ";User:" + CONTROLLER_USER);
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
