package io.zaps.local.bench;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.local.ZapsSystem;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./zaps bench}: creates a workflow calling a local sink (a {@link Workload}: one webhook step by default), drives
 * triggers through the gateway's REST API at fixed rates and at full speed, and prints runs/s and
 * latency percentiles.
 *
 * <p>Latency of a run = from sending its trigger request to the moment the benchmark reads the
 * run's {@code run_completed} event from {@code zaps.run-events} (read_committed). A run counts only
 * if, at the end, its JSON snapshot in {@code <data>/runs/<run_id>.json} shows {@code completed}.
 * Throughput of a phase = runs counted / (last completion - first trigger sent).
 *
 * <p>By default it starts its own Zaps (exactly as {@code ./zaps up}: embedded broker, all services,
 * one JVM) on a fresh data folder; {@code --gateway URL --bootstrap HOST:PORT --data DIR} measures
 * a Zaps that is already running instead.
 */
public final class Benchmark {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newFixedThreadPool(4))
            .build();
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Long> doneAt = new ConcurrentHashMap<>();
    /** Wall-clock twins of sentAt and doneAt (epoch ms), to line runs up with Kafka record timestamps. */
    private final Map<String, Long> sentWall = new ConcurrentHashMap<>();
    private final Map<String, Long> doneWall = new ConcurrentHashMap<>();
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private final String gateway;
    private final String bootstrap;
    private final FileStore store;
    private final String apiKey;
    private String workflowId;
    private final Workload workload;
    /** Full speed keeps this many runs in flight (a permit held from the trigger to the run's end); 0: requests, not runs. */
    private final int runsInFlight;
    /** The permit each run in flight holds, returned when the bench reads its end. */
    private final Map<String, Semaphore> releaseWhenDone = new ConcurrentHashMap<>();
    /** Sends the triggers, each thread over its own kept-alive connection; as many as --concurrency. */
    private final ExecutorService senders;
    private URL triggerUrl;

    private Benchmark(String gateway, String bootstrap, Path dataDir, String apiKey, int concurrency, Workload workload, int runsInFlight) {
        this.gateway = gateway;
        this.workload = workload;
        this.runsInFlight = runsInFlight;
        this.bootstrap = bootstrap;
        this.store = new FileStore(dataDir);
        this.apiKey = apiKey;
        this.senders = Executors.newFixedThreadPool(concurrency, task -> {
            Thread thread = new Thread(task, "bench-sender");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** How long the bench waits for the next completion before it counts the rest of a phase's runs as not completed. */
    private static final Duration STALL_LIMIT = Duration.ofSeconds(30);
    /** A trigger answered 429 this many times in a row is given up (counted as not accepted). */
    private static final int MAX_OVERLOADED_ATTEMPTS = 60;
    /** 429 answers (admission control) since the last phase report; each was sent again after Retry-After. */
    private final AtomicInteger overloaded = new AtomicInteger();

    /** Entry point of {@code ./zaps bench}; returns the process exit code. */
    public static int run(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        // Read once, when HttpURLConnection's keep-alive cache is first used: keep a connection per sender thread.
        System.setProperty("http.maxConnections", options.getOrDefault("concurrency", "128"));
        if (options.containsKey("help")) {
            System.out.println("""
                    usage: ./zaps bench [--rates 50,1000] [--seconds 15] [--full-seconds 15] [--concurrency 128] [--warmup 500]
                                        [--warmup-seconds 0 --warmup-rate 300] [--settle-seconds 0] [--keep-data true]
                                        [--show-slowest 0] [--broker-timings false] [--workload one-webhook] [--runs-in-flight 0]
                                        [--gateway URL --bootstrap HOST:PORT --data DIR] [--api-key KEY]
                      --rates         fixed trigger rates (runs/s), each held for --seconds, or RATE:SECONDS
                                      (e.g. 50:60,50:60,400:20); 60 s phases at 50 runs/s put 30 runs behind the p99
                      --full-seconds  then triggers as fast as the gateway answers, with --concurrency requests in flight (0 = skip)
                      --warmup        runs started at full speed before measuring (not counted)
                      --warmup-seconds then a steady warm-up at --warmup-rate runs/s (not counted): the JIT of a
                                      whole system in one JVM takes about two minutes to settle on two cores
                      --settle-seconds then that long at the first of --rates (not counted): the first minute after a
                                      step down from a high warm-up rate is a transient of its own (GC sizing, recompiles)
                      --keep-data     keep the data folder of the Zaps it started (deleted by default)
                      --show-slowest  list that many of the slowest runs of each fixed-rate phase, hop by hop
                      --broker-timings true: at the end, the embedded broker's request timings per part (JMX)
                      --workload      one-webhook: one webhook step per run (default); control-flow: filter -> switch ->
                                      for_each over 10 items at once, each a child run with one webhook step (13 step
                                      instances per run; also prints step instances/s)
                      --runs-in-flight N: the warm-up's and full speed's limit is N unfinished runs (a trigger waits for
                                      a run to end), not --concurrency requests; for workloads whose runs take far longer
                                      than a request, where full speed would otherwise start more runs than drain in hours
                      --gateway ...   measure a running Zaps instead of starting one""");
            return 0;
        }
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "15"));
        int fullSeconds = Integer.parseInt(options.getOrDefault("full-seconds", "15"));
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "128"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "500"));
        int warmupSeconds = Integer.parseInt(options.getOrDefault("warmup-seconds", "0"));
        int warmupRate = Integer.parseInt(options.getOrDefault("warmup-rate", "300"));
        int settleSeconds = Integer.parseInt(options.getOrDefault("settle-seconds", "0"));
        int showSlowest = Integer.parseInt(options.getOrDefault("show-slowest", "0"));
        boolean brokerTimings = Boolean.parseBoolean(options.getOrDefault("broker-timings", "false"));
        List<FixedPhase> rates = FixedPhase.parse(options.getOrDefault("rates", "50,1000"), seconds);
        Workload workload = Workload.parse(options.getOrDefault("workload", Workload.ONE_WEBHOOK.option()));
        int runsInFlight = Integer.parseInt(options.getOrDefault("runs-in-flight", "0"));

        ZapsSystem system = null;
        String gateway = options.get("gateway");
        String bootstrap = options.get("bootstrap");
        Path data = options.containsKey("data") ? Path.of(options.get("data")) : null;
        if (gateway == null) {
            System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
            data = Files.createTempDirectory("zaps-bench-");
            long t0 = System.nanoTime();
            system = ZapsSystem.start(new ZapsSystem.Settings(data, 0, freePort(), freePort(), null, Map.of()));
            System.out.printf(Locale.ROOT, "started Zaps (embedded broker, all services, one JVM) in %.1f s; data in %s%n",
                    (System.nanoTime() - t0) / 1e9, data);
            gateway = system.gatewayUrl();
            bootstrap = system.bootstrapServers();
        } else if (bootstrap == null || data == null) {
            System.err.println("--gateway needs --bootstrap and --data too (to see completions and snapshots)");
            return 2;
        }
        try {
            Benchmark bench = new Benchmark(gateway, bootstrap, data, options.get("api-key"), concurrency, workload, runsInFlight);
            return bench.execute(rates, fullSeconds, concurrency, warmup, warmupSeconds, warmupRate, settleSeconds, showSlowest, brokerTimings);
        } finally {
            if (system != null) {
                system.close();
                if (!options.containsKey("keep-data")) {
                    deleteTree(data); // a long run leaves hundreds of MB of broker log behind
                }
            }
        }
    }

    private int execute(List<FixedPhase> rates, int fullSeconds, int concurrency, int warmup,
                        int warmupSeconds, int warmupRate, int settleSeconds, int showSlowest, boolean brokerTimings) throws Exception {
        // The JDK server leaves Nagle's algorithm on by default: with delayed ACKs every small response
        // then waits ~40 ms. A real subscriber sets TCP_NODELAY; so does the sink.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        sink.setExecutor(Executors.newFixedThreadPool(4));
        byte[] ok = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        sink.createContext("/sink", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        sink.start();
        Thread consumer = new Thread(this::consumeCompletions, "bench-completions");
        Hiccups hiccups = new Hiccups();
        try {
            workflowId = "bench_" + System.currentTimeMillis();
            triggerUrl = URI.create(gateway + "/api/workflows/" + workflowId + "/trigger").toURL();
            createWorkflow("http://127.0.0.1:" + sink.getAddress().getPort() + "/sink");
            consumer.start();
            Thread.sleep(2000); // let the consumer get its partitions at the end of the topic

            System.out.printf(Locale.ROOT, "%nworkflow %s (%s): %s; machine: %d cores, Java %s%n",
                    workflowId, workload.option(), workload.description(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
            if (warmup > 0) {
                Phase w = fullSpeed("warm-up", warmup, Long.MAX_VALUE, concurrency);
                awaitAndReport(w, false);
            }
            if (warmupSeconds > 0) {
                System.out.printf(Locale.ROOT, "warming up for %d s at %d runs/s...%n", warmupSeconds, warmupRate);
                awaitAndReport(fixedRate(warmupRate, warmupSeconds), false);
            }
            if (settleSeconds > 0 && !rates.isEmpty()) {
                System.out.printf(Locale.ROOT, "settling for %d s at %d runs/s...%n", settleSeconds, rates.get(0).rate());
                awaitAndReport(fixedRate(rates.get(0).rate(), settleSeconds), false);
            }
            System.out.printf(Locale.ROOT, "%n%-22s %8s %8s %9s %9s %8s %8s %8s%n", "phase", "sent", "counted", "duration", "runs/s", "p50 ms", "p99 ms", "max ms");
            boolean allGood = true;
            List<Phase> fixed = new ArrayList<>();
            for (FixedPhase rate : rates) {
                Phase phase = fixedRate(rate.rate(), rate.seconds());
                fixed.add(phase);
                allGood &= awaitAndReport(phase, true);
            }
            if (fullSeconds > 0) {
                String name = runsInFlight > 0 ? "full speed (" + runsInFlight + " runs)" : "full speed (c=" + concurrency + ")";
                allGood &= awaitAndReport(fullSpeed(name, Integer.MAX_VALUE,
                        TimeUnit.SECONDS.toNanos(fullSeconds), concurrency), true);
            }
            if (!fixed.isEmpty() && workload.hasChildren()) {
                System.out.println("\n(no hop breakdown: it follows a run with one step and no child runs)");
            } else if (!fixed.isEmpty()) {
                System.out.println();
                java.util.Set<String> ids = new java.util.HashSet<>();
                fixed.forEach(p -> ids.addAll(p.runIds()));
                HopBreakdown breakdown = HopBreakdown.read(bootstrap, ids, sentWall, doneWall);
                fixed.forEach(p -> breakdown.print(p.name(), p.runIds(), showSlowest, hiccups));
            }
            if (brokerTimings) {
                BrokerTimings.print();
            }
            return allGood ? 0 : 1;
        } finally {
            consuming.set(false);
            hiccups.close();
            consumer.join(5000);
            sink.stop(0);
            senders.shutdownNow();
        }
    }

    /** The runs one phase started. */
    private record Phase(String name, List<String> runIds, AtomicInteger rejected) {}

    private Phase fixedRate(int rate, int seconds) {
        Phase phase = new Phase("fixed " + rate + " runs/s", java.util.Collections.synchronizedList(new ArrayList<>()), new AtomicInteger());
        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        long total = (long) rate * seconds;
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            // Both clocks say when the trigger was due, also when this loop is late.
            trigger(phase, i, null, false, due, startMillis + (due - start) / 1_000_000);
        }
        return phase;
    }

    private Phase fullSpeed(String name, int maxRuns, long forNanos, int concurrency) throws InterruptedException {
        Phase phase = new Phase(name, java.util.Collections.synchronizedList(new ArrayList<>()), new AtomicInteger());
        boolean holdUntilDone = runsInFlight > 0;
        int permits = holdUntilDone ? runsInFlight : concurrency;
        Semaphore inFlight = new Semaphore(permits);
        long end = forNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + forNanos;
        for (int i = 0; i < maxRuns && System.nanoTime() < end; i++) {
            inFlight.acquire();
            trigger(phase, i, inFlight, holdUntilDone, System.nanoTime(), System.currentTimeMillis());
        }
        if (holdUntilDone) {
            // The runs still in flight end in awaitAndReport, which waits as long as runs complete.
            inFlight.tryAcquire(permits, STALL_LIMIT.toSeconds(), TimeUnit.SECONDS);
        } else {
            inFlight.acquire(permits);
        }
        return phase;
    }

    /**
     * Sends one trigger from the sender pool. Latency counts from {@code dueNanos}, when the request was due,
     * not from when a sender thread took it: a system that falls behind cannot hide its queue in the client's.
     */
    private void trigger(Phase phase, long n, Semaphore inFlight, boolean holdUntilDone, long dueNanos, long dueMillis) {
        senders.execute(() -> {
            boolean held = false;
            try {
                String runId = postTrigger(workload.triggerBody(n));
                if (runId != null) {
                    sentAt.put(runId, dueNanos);
                    sentWall.put(runId, dueMillis);
                    phase.runIds().add(runId);
                    if (holdUntilDone) {
                        held = true;
                        releaseWhenDone.put(runId, inFlight);
                        // It may have ended before the map knew it: then whoever removes the entry releases it.
                        if (doneAt.containsKey(runId) && releaseWhenDone.remove(runId) != null) {
                            inFlight.release();
                        }
                    }
                } else {
                    phase.rejected().incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                phase.rejected().incrementAndGet();
            } finally {
                if (inFlight != null && !held) {
                    inFlight.release();
                }
            }
        });
    }

    /**
     * POSTs a trigger over a kept-alive connection ({@link HttpURLConnection}'s cache, one connection per sender
     * thread) and returns the run id of a 202, else null. The JDK's {@code HttpClient} was used before: under
     * {@code sendAsync} it opened a new connection for about every second request (seen with strace), so the
     * gateway measured mostly TCP set-up and tear-down, which no real client with keep-alive costs it.
     */
    private String postTrigger(String body) throws IOException {
        // A 429 (the gateway's admission control: too many accepted runs have not ended) started nothing: as a
        // well-behaved client, send the same trigger again after Retry-After. The run's latency still counts from
        // when it was due, so the wait shows in it.
        for (int attempt = 1; ; attempt++) {
            Answer answer = postTriggerOnce(body);
            if (answer.status() != 429 || attempt >= MAX_OVERLOADED_ATTEMPTS) {
                return answer.runId();
            }
            overloaded.incrementAndGet();
            try {
                Thread.sleep(answer.retryAfterMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private record Answer(int status, String runId, long retryAfterMillis) {}

    private Answer postTriggerOnce(String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpURLConnection connection = (HttpURLConnection) triggerUrl.openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(30_000);
        connection.setRequestProperty("Content-Type", "application/json");
        if (apiKey != null) {
            connection.setRequestProperty("X-API-Key", apiKey);
        }
        connection.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = connection.getOutputStream()) {
            out.write(bytes);
        }
        int status = connection.getResponseCode();
        long retryAfterMillis = 1_000;
        String retryAfter = connection.getHeaderField("Retry-After");
        if (retryAfter != null && retryAfter.strip().matches("[0-9]{1,4}")) {
            retryAfterMillis = Math.max(100, Long.parseLong(retryAfter.strip()) * 1_000);
        }
        // Reading the whole body (also of an error) is what returns the connection to the keep-alive cache.
        try (InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            byte[] answer = in == null ? new byte[0] : in.readAllBytes();
            return new Answer(status, status == 202 ? Json.mapper().readTree(answer).get("run_id").stringValue() : null,
                    retryAfterMillis);
        }
    }

    private boolean awaitAndReport(Phase phase, boolean print) throws InterruptedException {
        // Wait for the last 202s, then for every accepted run's completion event, for as long as
        // completions keep coming: a full-speed phase accepts triggers about twice as fast as the runs
        // complete, so its backlog can take longer than any fixed wait to drain.
        long deadline = System.nanoTime() + STALL_LIMIT.toNanos();
        Thread.sleep(200);
        List<String> ids = List.of();
        int waitingFrom = 0; // runs before this index are known to be done
        while (true) {
            synchronized (phase.runIds()) {
                if (phase.runIds().size() != ids.size()) { // 202s still arriving: copy only then
                    ids = List.copyOf(phase.runIds());
                }
            }
            int before = waitingFrom;
            while (waitingFrom < ids.size() && doneAt.containsKey(ids.get(waitingFrom))) {
                waitingFrom++;
            }
            if (waitingFrom > before) {
                deadline = System.nanoTime() + STALL_LIMIT.toNanos();
            }
            if (waitingFrom == ids.size() || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(50);
        }
        // Count only runs whose JSON snapshot says completed (the projection may trail the event a little).
        List<String> counted = new ArrayList<>();
        StepInstances instances = StepInstances.NONE;
        long snapshotDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (String id : ids) {
            while (true) {
                RunSnapshot snapshot = store.findRun(id).orElse(null);
                if (snapshot != null && snapshot.status() == RunStatus.COMPLETED && doneAt.containsKey(id)) {
                    counted.add(id);
                    if (print && workload.hasChildren()) {
                        instances = instances.plus(StepInstances.count(snapshot, child -> finalRun(child, snapshotDeadline)));
                    }
                    break;
                }
                if ((snapshot != null && snapshot.status().isFinal()) || System.nanoTime() > snapshotDeadline) {
                    break;
                }
                Thread.sleep(10);
            }
        }
        if (!print) {
            return true;
        }
        long[] latencies = counted.stream().mapToLong(id -> doneAt.get(id) - sentAt.get(id)).sorted().toArray();
        long first = counted.stream().mapToLong(sentAt::get).min().orElse(0);
        long last = counted.stream().mapToLong(doneAt::get).max().orElse(0);
        double secondsTaken = (last - first) / 1e9;
        int sent = ids.size() + phase.rejected().get();
        System.out.printf(Locale.ROOT, "%-22s %8d %8d %8.1fs %9.0f %8.1f %8.1f %8.1f%n", phase.name(), sent, counted.size(), secondsTaken,
                secondsTaken > 0 ? counted.size() / secondsTaken : 0, percentile(latencies, 50), percentile(latencies, 99), percentile(latencies, 100));
        int refusedForNow = overloaded.getAndSet(0);
        if (refusedForNow > 0) {
            System.out.printf(Locale.ROOT, "  %d answers were 429 (the gateway's admission control); each trigger was sent again after Retry-After%n",
                    refusedForNow);
        }
        if (workload.hasChildren()) {
            System.out.printf(Locale.ROOT, "  step instances: %d (%.1f per run, in the run and its %d child runs), %.0f/s%s%n",
                    instances.steps(), counted.isEmpty() ? 0.0 : (double) instances.steps() / counted.size(), instances.childRuns(),
                    secondsTaken > 0 ? instances.steps() / secondsTaken : 0,
                    instances.missingRuns() == 0 ? "" : "; !! " + instances.missingRuns() + " child runs without a snapshot");
        }
        if (counted.size() != sent) {
            System.out.printf(Locale.ROOT, "  !! %d of %d triggers did not end as a completed run (%d not accepted; waited until no run completed for %d s)%n",
                    sent - counted.size(), sent, phase.rejected().get(), STALL_LIMIT.toSeconds());
            return false;
        }
        return true;
    }

    /** A child run's snapshot once it is final (the projector may trail its parent's), or null past the deadline. */
    private RunSnapshot finalRun(String runId, long deadlineNanos) {
        while (true) {
            RunSnapshot snapshot = store.findRun(runId).orElse(null);
            if ((snapshot != null && snapshot.status().isFinal()) || System.nanoTime() > deadlineNanos) {
                return snapshot;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return snapshot;
            }
        }
    }

    private static double percentile(long[] sortedNanos, int p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(index, sortedNanos.length - 1))] / 1e6;
    }

    /** The events after which a run does nothing more (a run counts only if its snapshot says completed). */
    private static final java.util.Set<String> FINAL_EVENTS = java.util.Set.of(RunEventType.RUN_COMPLETED.wireName(),
            RunEventType.RUN_FAILED.wireName(), RunEventType.RUN_CANCELLED.wireName(), RunEventType.RUN_REJECTED.wireName());

    private void consumeCompletions() {
        try (KafkaConsumer<String, byte[]> consumer = HopBreakdown.reader(bootstrap, Topics.RUN_EVENTS, 2000)) {
            consumer.seekToEnd(consumer.assignment());
            while (consuming.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.nanoTime();
                    Header type = record.headers().lastHeader(Topics.HEADER_EVENT_TYPE);
                    if (type != null && record.key() != null) {
                        // Zaps names each event's type in a header: no need to parse every snapshot.
                        String name = new String(type.value(), StandardCharsets.UTF_8);
                        if (FINAL_EVENTS.contains(name)) {
                            ended(record.key(), now);
                        }
                        continue;
                    }
                    try {
                        RunEvent event = Json.read(record.value(), RunEvent.class);
                        if (FINAL_EVENTS.contains(event.type().wireName())) {
                            ended(event.runId(), now);
                        }
                    } catch (RuntimeException ignored) {
                        // not ours to judge: the projector dead-letters malformed events
                    }
                }
            }
        }
    }

    private void ended(String runId, long nanos) {
        doneAt.putIfAbsent(runId, nanos);
        doneWall.putIfAbsent(runId, System.currentTimeMillis());
        Semaphore permit = releaseWhenDone.remove(runId);
        if (permit != null) {
            permit.release();
        }
    }

    private void createWorkflow(String sinkUrl) throws IOException, InterruptedException {
        String body = workload.workflow(workflowId, sinkUrl);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + "/api/workflows"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("could not create the benchmark workflow: " + response.statusCode() + " " + response.body());
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (try --help)");
            }
            String name = arg.substring(2);
            if (name.equals("help")) {
                options.put("help", "");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(arg + " needs a value");
            }
        }
        return options;
    }

    private static void deleteTree(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }

    static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
