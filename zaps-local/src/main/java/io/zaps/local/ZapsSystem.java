package io.zaps.local;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.zaps.connector.email.EmailConnectorApplication;
import io.zaps.connector.pdf.PdfConnectorApplication;
import io.zaps.connector.webhook.WebhookConnectorApplication;
import io.zaps.executor.ExecutorApplication;
import io.zaps.gateway.GatewayApplication;
import io.zaps.kafka.GroupMembership;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.kafka.health.Readiness;
import io.zaps.trigger.TriggerApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The whole of Zaps in one JVM: an embedded KRaft broker (unless an existing Kafka is named) and
 * the six services, each in its own Spring application context with its own configuration file,
 * exactly as each would run alone. Used by {@code ./zaps up} and by the end-to-end tests.
 */
public final class ZapsSystem implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ZapsSystem.class);
    /** How long {@link #start} waits for every service to be ready (a broker recovering a large log, a state restore). */
    static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    /** The services, in start-up order of importance; contexts start in parallel and stop in reverse. */
    enum Service {
        EXECUTOR("executor-service", ExecutorApplication.class),
        CONNECTOR_WEBHOOK("connector-webhook", WebhookConnectorApplication.class),
        CONNECTOR_EMAIL("connector-email", EmailConnectorApplication.class),
        CONNECTOR_PDF("connector-pdf", PdfConnectorApplication.class),
        TRIGGER("trigger-service", TriggerApplication.class),
        GATEWAY("api-gateway", GatewayApplication.class);

        final String configName;
        final Class<?> application;

        Service(String configName, Class<?> application) {
            this.configName = configName;
            this.application = application;
        }
    }

    /**
     * How to run.
     *
     * @param dataDir             the data folder (file store, executor state, embedded broker log)
     * @param httpPort            the gateway's port (0 = any free port)
     * @param kafkaPort           the embedded broker's port
     * @param kafkaControllerPort the embedded broker's KRaft controller port
     * @param bootstrapServers    an existing Kafka to use instead of the embedded broker, or null
     * @param properties          extra Spring properties given to every service (lowest precedence)
     * @param brokerSecurity      the embedded broker's secured mode (SASL/SCRAM and ACLs; the services then
     *                            run as its super user), or null for the open broker
     */
    public record Settings(Path dataDir, int httpPort, int kafkaPort, int kafkaControllerPort,
                           String bootstrapServers, Map<String, String> properties, LocalKafkaBroker.Security brokerSecurity) {

        /** An open embedded broker, or an existing Kafka. */
        public Settings(Path dataDir, int httpPort, int kafkaPort, int kafkaControllerPort, String bootstrapServers, Map<String, String> properties) {
            this(dataDir, httpPort, kafkaPort, kafkaControllerPort, bootstrapServers, properties, null);
        }

        /** From {@code ZAPS_DATA_DIR}, {@code ZAPS_HTTP_PORT}, {@code ZAPS_KAFKA_PORT}, {@code ZAPS_BOOTSTRAP_SERVERS}. */
        public static Settings fromEnvironment(Map<String, String> env) {
            int kafkaPort = intValue(env, "ZAPS_KAFKA_PORT", 9092);
            String bootstrap = env.get("ZAPS_BOOTSTRAP_SERVERS");
            boolean embedded = bootstrap == null || bootstrap.isBlank();
            // The services read ZAPS_KAFKA_* themselves; the embedded broker of ./zaps up is the open one.
            if (embedded && KafkaClientSecurity.from(env::get).isSasl()) {
                throw new IllegalArgumentException(KafkaClientSecurity.PROTOCOL + " asks for SASL, but the embedded broker is open:"
                        + " set ZAPS_BOOTSTRAP_SERVERS to a secured Kafka (docs/security.md), or unset the ZAPS_KAFKA_* settings");
            }
            return new Settings(Path.of(env.getOrDefault("ZAPS_DATA_DIR", ".zaps")),
                    intValue(env, "ZAPS_HTTP_PORT", 8080), kafkaPort,
                    intValue(env, "ZAPS_KAFKA_CONTROLLER_PORT", kafkaPort + 1),
                    embedded ? null : bootstrap, Map.of());
        }

        private static int intValue(Map<String, String> env, String name, int fallback) {
            String value = env.get(name);
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a port number, was '" + value + "'");
            }
        }
    }

    private final Settings settings;
    private final LocalKafkaBroker broker;
    private final String bootstrapServers;
    private final int httpPort;
    private final Map<Service, ConfigurableApplicationContext> contexts = new ConcurrentHashMap<>();
    /**
     * One meter registry for the whole process, given to every service's context: the gateway's
     * {@code GET /actuator/prometheus} shows every service's meters. Spring does not post-process a registry
     * given this way, so the process-wide JVM meters are bound here, once.
     */
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    /**
     * Each service's {@link OpenTelemetry}, by its configuration name; null lets every service build its own from its
     * configuration ({@code zaps.tracing.*}, {@code OTEL_EXPORTER_OTLP_ENDPOINT}; no-op unless an endpoint is set).
     */
    private final Function<String, OpenTelemetry> telemetry;

    private ZapsSystem(Settings settings, LocalKafkaBroker broker, String bootstrapServers, int httpPort,
                       Function<String, OpenTelemetry> telemetry) {
        this.telemetry = telemetry;
        this.settings = settings;
        this.broker = broker;
        this.bootstrapServers = bootstrapServers;
        this.httpPort = httpPort;
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        new ProcessorMetrics().bindTo(meters);
        new UptimeMetrics().bindTo(meters);
        gcMetrics.bindTo(meters);
    }

    /** Starts the broker (if embedded) and every service; returns once all of them are ready (the gateway's readiness group is up). */
    public static ZapsSystem start(Settings settings) throws IOException {
        return start(settings, null);
    }

    /** Starts the broker and every service without waiting for them to be ready (the readiness test watches that). */
    static ZapsSystem startUnready(Settings settings) throws IOException {
        return startUnready(settings, null);
    }

    /**
     * Starts every service, each tracing with {@code telemetry.apply(<service config name>)} (tests: an SDK over an
     * in-memory exporter), and returns once all are ready.
     */
    static ZapsSystem start(Settings settings, Function<String, OpenTelemetry> telemetry) throws IOException {
        ZapsSystem system = startUnready(settings, telemetry);
        try {
            system.awaitReady(READY_TIMEOUT);
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
        return system;
    }

    private static ZapsSystem startUnready(Settings settings, Function<String, OpenTelemetry> telemetry) throws IOException {
        routeJulToSlf4j();
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        // Every service learns the gateway's port before the gateway has bound it: the connectors refuse
        // calls to it (zaps.connector.gateway-addresses).
        int httpPort = settings.httpPort() == 0 ? freePort() : settings.httpPort();
        LocalKafkaBroker broker = null;
        String bootstrap = settings.bootstrapServers();
        if (bootstrap == null) {
            broker = new LocalKafkaBroker(dataDir, settings.kafkaPort(), settings.kafkaControllerPort(), settings.brokerSecurity()).start();
            bootstrap = broker.bootstrapServers();
        }
        ZapsSystem system = new ZapsSystem(settings, broker, bootstrap, httpPort, telemetry);
        try {
            system.startServices(dataDir);
        } catch (RuntimeException e) {
            system.close();
            throw e;
        }
        return system;
    }

    private void startServices(Path dataDir) {
        ExecutorService starter = Executors.newFixedThreadPool(Service.values().length, r -> new Thread(r, "zaps-start"));
        try {
            Map<Service, Future<ConfigurableApplicationContext>> futures = new HashMap<>();
            for (Service service : Service.values()) {
                futures.put(service, starter.submit(() -> {
                    ConfigurableApplicationContext context = startService(service, dataDir);
                    contexts.put(service, context);
                    return context;
                }));
            }
            RuntimeException failure = null;
            for (Service service : Service.values()) {
                try {
                    contexts.put(service, futures.get(service).get());
                } catch (ExecutionException e) {
                    failure = failure != null ? failure : new IllegalStateException(service.configName + " failed to start: " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while starting " + service.configName, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            starter.shutdown();
        }
    }

    private ConfigurableApplicationContext startService(Service service, Path dataDir) {
        Map<String, String> properties = new HashMap<>(settings.properties());
        if (broker != null && settings.brokerSecurity() != null) {
            properties.putAll(settings.brokerSecurity().services().settings());
        }
        List<ApplicationContextInitializer<?>> initializers = new ArrayList<>();
        initializers.add((ConfigurableApplicationContext context) -> {
            context.getBeanFactory().registerSingleton("prometheusMeterRegistry", meters);
            context.getBeanFactory().registerSingleton("prometheusRegistry", meters.getPrometheusRegistry());
            if (telemetry != null) {
                context.getBeanFactory().registerSingleton("zapsOpenTelemetry", telemetry.apply(service.configName));
            }
        });
        if (service == Service.GATEWAY) {
            // The gateway's health groups cover every service in this process (api-gateway.yml names the parts).
            initializers.add((ConfigurableApplicationContext gateway) -> {
                gateway.getBeanFactory().registerSingleton("servicesHealthContributor", ServicesHealth.of(contexts, Readiness.READINESS));
                gateway.getBeanFactory().registerSingleton("servicesLivenessHealthContributor", ServicesHealth.of(contexts, Readiness.LIVENESS));
            });
        }
        return startService(service, dataDir, bootstrapServers, httpPort, properties, initializers);
    }

    /**
     * Waits until every service is ready: the gateway's readiness group, which covers them all. Services
     * are started (their contexts refreshed) before this; being ready also needs the executor's streams
     * running and every listener assigned, which takes a few seconds more.
     */
    void awaitReady(Duration timeout) {
        HealthEndpoint gateway = contexts.get(Service.GATEWAY).getBean(HealthEndpoint.class);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Status.UP.equals(Readiness.status(gateway, Readiness.READINESS))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready within " + timeout.toSeconds() + " s: "
                        + String.join("; ", Readiness.notUp(gateway, Readiness.READINESS)));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the services to be ready", e);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        }
    }

    /**
     * One service in its own Spring context, configured as this launcher configures it; also used by
     * {@code zaps-local service <name>}, which runs one service per OS process.
     */
    static ConfigurableApplicationContext startService(Service service, Path dataDir, String bootstrapServers, int httpPort,
                                                       Map<String, String> properties) {
        return startService(service, dataDir, bootstrapServers, httpPort, properties, List.of());
    }

    private static ConfigurableApplicationContext startService(Service service, Path dataDir, String bootstrapServers, int httpPort,
                                                               Map<String, String> properties, List<ApplicationContextInitializer<?>> initializers) {
        Map<String, Object> props = new HashMap<>(properties);
        props.put("spring.config.name", service.configName);
        props.put("spring.main.banner-mode", "off");
        props.put("ZAPS_DATA_DIR", dataDir.toString());
        props.put("ZAPS_BOOTSTRAP_SERVERS", bootstrapServers);
        props.put("spring.kafka.bootstrap-servers", bootstrapServers);
        props.put("ZAPS_HTTP_PORT", Integer.toString(httpPort));
        if (service == Service.GATEWAY) {
            // Everything shares this machine's cores: a few request threads (each waits a moment for
            // Kafka's acknowledgement of the trigger) keep up, where Tomcat's 200 would only contend.
            props.put("server.tomcat.threads.max", "16");
        }
        // Static group membership (zaps-kafka's GroupMembership): after a crash (even SIGKILL) the restarted
        // launcher takes its partitions back at once instead of waiting for the dead members' sessions to
        // expire. The id is stable per data folder, so two launchers on one Kafka never collide.
        props.putIfAbsent(GroupMembership.INSTANCE_ID_ENV, "local-" + Integer.toHexString(dataDir.toString().hashCode()));
        Map<String, Object> decided = new HashMap<>();
        for (String key : LAUNCHER_DECIDES) {
            decided.put(key, props.get(key));
        }
        return new SpringApplicationBuilder(service.application).properties(props).environment(launcherEnvironment(decided))
                .initializers(initializers.toArray(ApplicationContextInitializer[]::new)).run();
    }

    /** What the launcher decides for every service it starts, whatever the process's environment says. */
    static final List<String> LAUNCHER_DECIDES = List.of("ZAPS_DATA_DIR", "ZAPS_BOOTSTRAP_SERVERS", "spring.kafka.bootstrap-servers", "ZAPS_HTTP_PORT");

    /**
     * A service's environment with the launcher's decisions ahead of everything else. The services read
     * {@code ${ZAPS_DATA_DIR}} and the like from the OS environment before Spring's default properties, so without
     * this a {@code ./zaps bench} or training run on its own temporary folder and broker, started from a shell that
     * has {@code ZAPS_DATA_DIR} or {@code ZAPS_BOOTSTRAP_SERVERS} set, would write into that folder or join that Kafka.
     * For {@code ./zaps up} the launcher took them from the same environment, so nothing changes there.
     */
    static ConfigurableEnvironment launcherEnvironment(Map<String, Object> decided) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("zapsLauncher", decided));
        return environment;
    }

    /** Tomcat logs through java.util.logging; with Boot's logging system off, route it to SLF4J here. */
    static void routeJulToSlf4j() {
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }

    /** One service's Spring context (tests). */
    ConfigurableApplicationContext context(Service service) {
        return contexts.get(service);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return settings.dataDir().toAbsolutePath().normalize();
    }

    /** The gateway's base URL, e.g. {@code http://localhost:8080}. */
    public String gatewayUrl() {
        ConfigurableApplicationContext gateway = contexts.get(Service.GATEWAY);
        String port = gateway == null ? Integer.toString(httpPort) : gateway.getEnvironment().getProperty("local.server.port");
        return "http://localhost:" + port;
    }

    @Override
    public void close() {
        List<Service> order = new ArrayList<>(List.of(Service.values()));
        java.util.Collections.reverse(order);
        for (Service service : order) {
            ConfigurableApplicationContext context = contexts.remove(service);
            if (context != null) {
                try {
                    context.close();
                } catch (RuntimeException e) {
                    log.warn("{} did not stop cleanly: {}", service.configName, e.getMessage());
                }
            }
        }
        gcMetrics.close();
        meters.close();
        if (broker != null) {
            broker.close();
        }
    }
}
