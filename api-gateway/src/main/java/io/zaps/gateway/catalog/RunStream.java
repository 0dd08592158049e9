package io.zaps.gateway.catalog;

import io.zaps.gateway.GatewayProperties;
import io.zaps.store.RunSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The run stream behind {@code GET /api/runs/stream}: every change the {@link RunCatalog} hears (a snapshot the
 * projector or the trigger service wrote) goes to every open stream whose filters it matches, as a server-sent event
 * {@code run} whose data is the run's summary.
 *
 * <p>Bounded, so that no client can slow the projector or hold memory: the projector only puts the event in each
 * client's queue ({@code zaps.gateway.stream.queue-size}, never blocking); a few shared sender threads write the
 * queues out, one client at a time each, so a client never has a thread of its own. A client whose queue overflows
 * (it reads slower than runs change, or stopped reading) is dropped; its browser reconnects and reads the listing
 * again. A write to a client that stopped reading blocks one sender until the container's write timeout fails it;
 * further events for that client meanwhile only fill its queue. At most {@code max-clients} streams are open; a
 * heartbeat comment every {@code heartbeat} keeps proxies from closing idle ones, and each stream ends after
 * {@code timeout} (EventSource reconnects by itself).
 */
public final class RunStream implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RunStream.class);
    /** The stream's path: the one endpoint that also takes the API key as a query parameter (EventSource cannot send headers). */
    public static final String PATH = "/api/runs/stream";
    static final int SENDERS = 2;
    /** How long a browser waits before it reconnects a stream that ended (the SSE {@code retry} field). */
    static final long RECONNECT_MILLIS = 3_000;

    private final JsonMapper mapper;
    private final GatewayProperties.StreamSettings settings;
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private ExecutorService senders;
    private ScheduledExecutorService heartbeats;

    RunStream(JsonMapper mapper, GatewayProperties.StreamSettings settings) {
        this.mapper = mapper;
        this.settings = settings;
    }

    /** Thrown by {@link #open} when {@code max-clients} streams are open already. */
    static final class FullException extends Exception {
        FullException() {
            super(null, null, false, false);
        }
    }

    /** A new stream of the runs that match both filters (null: any). */
    SseEmitter open(String workflowId, String runId) throws FullException {
        SseEmitter emitter = new SseEmitter(settings.timeout().toMillis());
        Client client = new Client(ids.incrementAndGet(), emitter, workflowId, runId, new ArrayBlockingQueue<>(settings.queueSize()));
        synchronized (clients) {
            if (clients.size() >= settings.maxClients()) {
                throw new FullException();
            }
            clients.put(client.id, client);
        }
        emitter.onCompletion(() -> clients.remove(client.id));
        emitter.onTimeout(() -> close(client));
        emitter.onError(error -> close(client));
        // The first bytes go out at once, so the client sees the stream open before any run changes.
        offer(client, SseEmitter.event().comment("connected").reconnectTime(RECONNECT_MILLIS));
        return emitter;
    }

    int openStreams() {
        return clients.size();
    }

    /** A run changed: its summary goes to every matching stream. Never blocks. */
    void publish(RunSummary run) {
        if (clients.isEmpty()) {
            return;
        }
        String json;
        try {
            json = mapper.writeValueAsString(run);
        } catch (RuntimeException e) {
            log.warn("run {} could not be written for the run stream: {}", run.runId(), e.getMessage());
            return;
        }
        for (Client client : clients.values()) {
            if (client.matches(run)) {
                offer(client, SseEmitter.event().name("run").id(run.runId() + ":" + run.revision()).data(json));
            }
        }
    }

    private void heartbeat() {
        for (Client client : clients.values()) {
            offer(client, SseEmitter.event().comment("heartbeat"));
        }
    }

    private void offer(Client client, SseEmitter.SseEventBuilder event) {
        if (client.closed.get()) {
            return;
        }
        if (!client.queue.offer(event)) {
            log.info("run stream client {} dropped: it fell {} events behind", client.id, settings.queueSize());
            close(client);
            return;
        }
        ExecutorService pool = senders;
        if (pool != null && client.scheduled.compareAndSet(false, true)) {
            try {
                pool.execute(() -> drain(client));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                client.scheduled.set(false); // stopping
            }
        }
    }

    /** On a sender thread: writes the client's queue out, then lets go of the client (and takes it again if more came). */
    private void drain(Client client) {
        do {
            SseEmitter.SseEventBuilder event;
            while ((event = client.queue.poll()) != null) {
                if (client.closed.get()) {
                    client.queue.clear();
                    break;
                }
                try {
                    client.emitter.send(event);
                } catch (IOException | IllegalStateException e) {
                    // the client went away, or the stream already ended
                    close(client);
                }
            }
            client.scheduled.set(false);
        } while (!client.queue.isEmpty() && !client.closed.get() && client.scheduled.compareAndSet(false, true));
    }

    private void close(Client client) {
        clients.remove(client.id);
        if (client.closed.compareAndSet(false, true)) {
            client.queue.clear();
            try {
                client.emitter.complete();
            } catch (RuntimeException ignored) {
                // already completed by the container
            }
        }
    }

    private record Client(long id, SseEmitter emitter, String workflowId, String runId,
                          BlockingQueue<SseEmitter.SseEventBuilder> queue, AtomicBoolean scheduled, AtomicBoolean closed) {
        Client(long id, SseEmitter emitter, String workflowId, String runId, BlockingQueue<SseEmitter.SseEventBuilder> queue) {
            this(id, emitter, workflowId, runId, queue, new AtomicBoolean(), new AtomicBoolean());
        }

        boolean matches(RunSummary run) {
            return (workflowId == null || workflowId.equals(run.workflowId())) && (runId == null || runId.equals(run.runId()));
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public synchronized void start() {
        if (senders != null) {
            return;
        }
        senders = Executors.newFixedThreadPool(SENDERS, daemon("zaps-run-stream"));
        heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("zaps-run-stream-heartbeat"));
        long every = settings.heartbeat().toMillis();
        heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (senders == null) {
            return;
        }
        heartbeats.shutdownNow();
        clients.values().forEach(this::close);
        senders.shutdownNow();
        senders = null;
        heartbeats = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return senders != null;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong count = new AtomicLong();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
