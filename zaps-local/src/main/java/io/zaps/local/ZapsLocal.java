package io.zaps.local;

import io.zaps.local.bench.Benchmark;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code ./zaps up}: the whole system on this machine, on an embedded KRaft broker and a local data
 * folder; Ctrl-C stops everything cleanly. {@code ./zaps bench}: the benchmark.
 *
 * <p>One part per OS process (the crash tests kill them one by one): {@code broker} runs only the
 * embedded KRaft broker, {@code service <name>[,<name>...]} runs only the named services
 * ({@code executor-service}, {@code trigger-service}, {@code api-gateway}, {@code connector-webhook},
 * {@code connector-email}, {@code connector-pdf}) against {@code ZAPS_BOOTSTRAP_SERVERS}, configured
 * as {@code up} configures them (same data folder, same static group membership). With
 * {@code ZAPS_EXIT_WITH_PID} set, the process halts when that process ends, so that a test's
 * children never outlive it.
 *
 * <p>{@code train} is the training run of {@code ./zaps}' class-data archive (docs/architecture.md, "Restarts"): the
 * whole system on a fresh temporary data folder and free ports, until every service is ready, then a clean stop and
 * exit, so that a JVM started with {@code -XX:ArchiveClassesAtExit} archives every class a start loads.
 */
public final class ZapsLocal {
    private ZapsLocal() {}

    /** {@code CompletableFuture}'s default executor is the common pool only when that has 2+ threads. */
    static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

    public static void main(String[] args) throws Exception {
        // With 2 cores or fewer the common pool has one thread, and CompletableFuture then starts a new
        // thread for every async stage: the JDK HTTP client (webhook connector, benchmark) completes
        // every response that way, some 200 thread starts a second at load. Must run before anything
        // touches ForkJoinPool.
        if (System.getProperty(COMMON_POOL_PARALLELISM) == null && Runtime.getRuntime().availableProcessors() <= 2) {
            System.setProperty(COMMON_POOL_PARALLELISM, "2");
        }
        String command = args.length == 0 ? "up" : args[0];
        String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        switch (command) {
            case "up" -> up();
            case "bench" -> System.exit(Benchmark.run(rest));
            case "broker" -> broker();
            case "service" -> service(rest);
            case "train" -> train();
            default -> {
                System.err.println("usage: zaps-local up | bench [options] | broker | service <name>[,<name>...] | train   (see ./zaps help)");
                System.exit(2);
            }
        }
    }

    private static void up() throws Exception {
        // One JVM, five Spring contexts: the launcher owns logging (logback.xml), so that every context
        // does not re-initialise it.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        LocalLogging.apply(System.getenv());
        long started = System.nanoTime();
        ZapsSystem.Settings settings = ZapsSystem.Settings.fromEnvironment(System.getenv());
        ZapsSystem system = ZapsSystem.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("zaps: stopping...");
            system.close();
            System.out.println("zaps: stopped");
            stopped.countDown();
        }, "zaps-shutdown"));
        // ZapsSystem.start returns once every service is ready (the executor's streams running, every listener assigned).
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("%nzaps: up in %.1f s%n", millis / 1000.0);
        System.out.println("  gateway   " + system.gatewayUrl() + "   (API docs: " + system.gatewayUrl() + "/docs)");
        System.out.println("  console   " + system.gatewayUrl() + "/   (web console: runs, workflows, builder, templates, secrets)");
        System.out.println("  health    " + system.gatewayUrl() + "/actuator/health/readiness   (and /liveness; every service in this process)");
        System.out.println("  metrics   " + system.gatewayUrl() + "/actuator/prometheus");
        System.out.println("  kafka     " + system.bootstrapServers() + (settings.bootstrapServers() == null ? "   (embedded KRaft broker)" : "   (external)"));
        System.out.println("  data      " + system.dataDir());
        System.out.println("  Ctrl-C stops everything.\n");
        stopped.await();
    }

    /**
     * Starts everything as {@code up} does, but on a temporary data folder and free ports (a running {@code ./zaps up}
     * is not disturbed), waits until ready, stops cleanly, deletes the folder and exits. Spring's own training mode
     * ({@code -Dspring.context.exit=onRefresh}) would exit the JVM when the first of the six contexts is refreshed,
     * before the others, the executor's streams and the broker's recovery path had loaded their classes.
     */
    private static void train() throws Exception {
        // The services read ZAPS_* (data folder, Kafka, ports) from the environment before the launcher's settings:
        // a training run that saw them would write into a real data folder or join a real Kafka's groups.
        List<String> settings = System.getenv().keySet().stream().filter(name -> name.startsWith("ZAPS_")).sorted().toList();
        if (!settings.isEmpty()) {
            System.err.println("zaps-local train: run it without ZAPS_* settings (found " + String.join(", ", settings) + ")");
            System.exit(2);
        }
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        long started = System.nanoTime();
        Path data = Files.createTempDirectory("zaps-train-");
        int kafkaPort = ZapsSystem.freePort();
        int controllerPort = ZapsSystem.freePort();
        while (controllerPort == kafkaPort) {
            controllerPort = ZapsSystem.freePort();
        }
        try (ZapsSystem system = ZapsSystem.start(new ZapsSystem.Settings(data, 0, kafkaPort, controllerPort, null, Map.of()))) {
            System.out.printf("zaps: training run ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
        } finally {
            deleteRecursively(data);
        }
        // Exit, not return: the JVM writes the archive as it exits, and client threads may linger after the close.
        System.exit(0);
    }

    private static void deleteRecursively(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static void broker() throws Exception {
        exitWithParent();
        ZapsSystem.Settings settings = ZapsSystem.Settings.fromEnvironment(System.getenv());
        LocalKafkaBroker broker = new LocalKafkaBroker(settings.dataDir(), settings.kafkaPort(), settings.kafkaControllerPort()).start();
        System.out.println("zaps: broker ready on " + broker.bootstrapServers());
        awaitShutdown(broker::close);
    }

    private static void service(String[] args) throws Exception {
        exitWithParent();
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        LocalLogging.apply(System.getenv());
        ZapsSystem.Settings settings = ZapsSystem.Settings.fromEnvironment(System.getenv());
        if (args.length != 1 || settings.bootstrapServers() == null) {
            System.err.println("usage: ZAPS_BOOTSTRAP_SERVERS=host:port [ZAPS_DATA_DIR=...] zaps-local service <name>[,<name>...]");
            System.exit(2);
        }
        List<ZapsSystem.Service> services = new ArrayList<>();
        for (String name : args[0].split(",")) {
            services.add(Arrays.stream(ZapsSystem.Service.values()).filter(s -> s.configName.equals(name.trim())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown service '" + name + "'; known: "
                            + Arrays.stream(ZapsSystem.Service.values()).map(s -> s.configName).toList())));
        }
        ZapsSystem.routeJulToSlf4j();
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        List<ConfigurableApplicationContext> contexts = new ArrayList<>();
        Runnable close = () -> {
            for (int i = contexts.size() - 1; i >= 0; i--) {
                contexts.get(i).close();
            }
        };
        try {
            for (ZapsSystem.Service service : services) {
                long started = System.nanoTime();
                contexts.add(ZapsSystem.startService(service, dataDir, settings.bootstrapServers(), settings.httpPort(), Map.of()));
                System.out.printf("zaps: %s started in %.1f s%n", service.configName, (System.nanoTime() - started) / 1e9);
            }
        } catch (RuntimeException e) {
            close.run();
            throw e;
        }
        awaitShutdown(close);
    }

    /** Blocks until the JVM is asked to stop (SIGTERM, Ctrl-C), then runs {@code close}. */
    private static void awaitShutdown(Runnable close) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            close.run();
            stopped.countDown();
        }, "zaps-shutdown"));
        stopped.await();
    }

    /** {@code ZAPS_EXIT_WITH_PID}: halt (no clean shutdown, as if killed) once that process is gone. */
    private static void exitWithParent() {
        String pid = System.getenv("ZAPS_EXIT_WITH_PID");
        if (pid == null || pid.isBlank()) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid.trim()));
        if (parent.isEmpty()) {
            Runtime.getRuntime().halt(3);
        }
        parent.get().onExit().thenRun(() -> Runtime.getRuntime().halt(3));
    }
}
