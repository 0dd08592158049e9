package io.zaps.gateway.catalog;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A real HTTP client reading {@code /api/runs/stream} line by line on a thread of its own (the run stream's tests). */
final class RunStreamReader implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final HttpResponse<Stream<String>> response;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Every run event read so far, oldest first. */
    private final List<JsonNode> runs = new ArrayList<>();
    private final Duration wait;
    private final Thread thread;

    /** Opens the stream at {@code url}; each wait (the response, an event) is bounded by {@code wait}. */
    RunStreamReader(String url, Map<String, String> headers, Duration wait) throws Exception {
        this.wait = wait;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        headers.forEach(request::header);
        response = HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines()).get(wait.toSeconds(), TimeUnit.SECONDS);
        thread = new Thread(() -> {
            try {
                response.body().forEach(lines::add);
            } catch (RuntimeException e) {
                // closed
            }
        }, "sse-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The data of the next event named run, or fails after the wait. */
    JsonNode nextRun() throws InterruptedException {
        JsonNode run = readRun(System.nanoTime() + wait.toNanos());
        if (run == null) {
            throw new AssertionError("no run event within " + wait + "; lines: " + lines);
        }
        return run;
    }

    /** The first run event of {@code runId} in {@code status}, read before or within the wait; else fails. */
    JsonNode awaitRun(String runId, String status) throws InterruptedException {
        for (JsonNode run : runs) {
            if (is(run, runId, status)) {
                return run;
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (JsonNode run; (run = readRun(deadline)) != null; ) {
            if (is(run, runId, status)) {
                return run;
            }
        }
        throw new AssertionError("no run event of " + runId + " in status " + status + " within " + wait);
    }

    private static boolean is(JsonNode run, String runId, String status) {
        return run.get("run_id").stringValue().equals(runId) && run.get("status").stringValue().equals(status);
    }

    /** The next run event read before {@code deadline} (kept in {@link #runs}), or null. */
    private JsonNode readRun(long deadline) throws InterruptedException {
        boolean named = false;
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            if (line.equals("event:run")) {
                named = true;
            } else if (named && line.startsWith("data:")) {
                JsonNode run = Json.mapper().readTree(line.substring("data:".length()));
                runs.add(run);
                return run;
            }
        }
        return null;
    }

    @Override
    public void close() {
        response.body().close();
        thread.interrupt();
    }
}
