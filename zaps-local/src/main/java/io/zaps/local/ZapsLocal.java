package io.zaps.local;

import io.zaps.local.bench.Benchmark;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./zaps up}: the whole system on this machine, on an embedded KRaft broker and a local data
 * folder; Ctrl-C stops everything cleanly. {@code ./zaps bench}: the benchmark.
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
            default -> {
                System.err.println("usage: zaps-local up | bench [options]   (see ./zaps help)");
                System.exit(2);
            }
        }
    }

    private static void up() throws Exception {
        // One JVM, five Spring contexts: the launcher owns logging (logback.xml), so that every context
        // does not re-initialise it.
        System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
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
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("%nzaps: up in %.1f s%n", millis / 1000.0);
        System.out.println("  gateway   " + system.gatewayUrl() + "   (API docs: " + system.gatewayUrl() + "/docs)");
        System.out.println("  kafka     " + system.bootstrapServers() + (settings.bootstrapServers() == null ? "   (embedded KRaft broker)" : "   (external)"));
        System.out.println("  data      " + system.dataDir());
        System.out.println("  Ctrl-C stops everything.\n");
        stopped.await();
    }
}
