package io.zaps.gateway.run;

import io.zaps.contract.event.TriggerRequested;
import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class TriggerIdempotencyTest extends GatewayTestSupport {
    private static final String BODY = "{\"context\": {\"invoice_id\": \"INV-7\"}}";

    private Response trigger(String workflowId, String key) {
        return send("POST", "/api/workflows/" + workflowId + "/trigger", BODY,
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "Idempotency-Key", key));
    }

    private String activeWorkflow(String prefix) {
        String id = uniqueId(prefix);
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        return id;
    }

    @Test
    void theSameKeyAnswersTheSameRunAndPublishesOnce() {
        String id = activeWorkflow("idem");
        Response first = trigger(id, "order-42");
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        assertThat(first.header("Idempotent-Replayed")).isNull();
        String runId = first.json().get("run_id").stringValue();

        Response second = trigger(id, "order-42");
        assertThat(second.status()).as(second.body()).isEqualTo(200);
        assertThat(second.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(second.header("Location")).isEqualTo("/api/runs/" + runId);
        assertThat(second.json().get("run_id").stringValue()).isEqualTo(runId);
        assertThat(second.json().get("context").get("invoice_id").stringValue()).isEqualTo("INV-7");

        assertThat(triggersOf(id)).extracting(TriggerRequested::runId).containsExactly(runId);
        assertThat(get("/api/workflows/" + id + "/runs").json().size()).isEqualTo(1);
        assertThat(DATA_DIR.resolve("runs").resolve(runId + ".json"))
                .as("with a key the pending snapshot is stored: a repeat may reach another gateway").exists();
    }

    @Test
    void aKeyReusedWithADifferentBodyIsRefusedAndTheSameBodyInAnotherKeyOrderIsNot() {
        String id = activeWorkflow("idem_body");
        Response first = send("POST", "/api/workflows/" + id + "/trigger", "{\"context\": {\"invoice_id\": \"INV-7\", \"amount\": 10}}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "Idempotency-Key", "order-43"));
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        String runId = first.json().get("run_id").stringValue();

        Response reordered = send("POST", "/api/workflows/" + id + "/trigger", "{\"context\": {\"amount\": 10.0, \"invoice_id\": \"INV-7\"}}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "Idempotency-Key", "order-43"));
        assertThat(reordered.status()).as(reordered.body()).isEqualTo(200);
        assertThat(reordered.json().get("run_id").stringValue()).isEqualTo(runId);

        Response different = send("POST", "/api/workflows/" + id + "/trigger", "{\"context\": {\"invoice_id\": \"INV-8\", \"amount\": 10}}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "Idempotency-Key", "order-43"));
        assertProblem(different, 422, "Idempotency-Key");
        assertThat(different.json().get("run_id").stringValue()).isEqualTo(runId);
        assertThat(triggersOf(id)).extracting(TriggerRequested::runId).containsExactly(runId);
    }

    @Test
    void differentKeysAndOtherWorkflowsStartTheirOwnRuns() {
        String id = activeWorkflow("idem_keys");
        String other = activeWorkflow("idem_other");
        String a = trigger(id, "key-a").json().get("run_id").stringValue();
        Response b = trigger(id, "key-b");
        Response onOther = trigger(other, "key-a");
        Response withoutKey = post("/api/workflows/" + id + "/trigger", BODY);
        assertThat(List.of(b.status(), onOther.status(), withoutKey.status())).containsOnly(202);
        assertThat(List.of(a, b.json().get("run_id").stringValue(), onOther.json().get("run_id").stringValue(),
                withoutKey.json().get("run_id").stringValue())).doesNotHaveDuplicates();
        assertThat(trigger(other, "key-a").json().get("run_id").stringValue()).isEqualTo(onOther.json().get("run_id").stringValue());
    }

    @Test
    void afterTheWindowTheKeyStartsANewRun() throws IOException {
        String id = activeWorkflow("idem_window");
        String first = trigger(id, "nightly-2026-01-01").json().get("run_id").stringValue();
        // Age the stored entry past the 24h window rather than waiting for it.
        Path entry = DATA_DIR.resolve("idempotency").resolve(id).resolve(sha256("nightly-2026-01-01") + ".json");
        assertThat(entry).exists();
        Files.writeString(entry, "{\"run_id\": \"" + first + "\", \"created_at\": \""
                + Instant.now().minus(Duration.ofHours(24)).minusSeconds(1) + "\"}", StandardCharsets.UTF_8);

        Response again = trigger(id, "nightly-2026-01-01");
        assertThat(again.status()).as(again.body()).isEqualTo(202);
        String second = again.json().get("run_id").stringValue();
        assertThat(second).isNotEqualTo(first);
        Response replay = trigger(id, "nightly-2026-01-01");
        assertThat(replay.status()).isEqualTo(200);
        assertThat(replay.json().get("run_id").stringValue()).isEqualTo(second);
        assertThat(triggersOf(id)).extracting(TriggerRequested::runId).containsExactlyInAnyOrder(first, second);
    }

    /**
     * A key whose trigger Kafka never confirmed (the publish timed out, or the gateway died before its answer) may
     * still have started its run: once it counts as abandoned, a retry re-sends the same run id, never a new one, so
     * the executor starts at most one run for the key (the three-broker proof found two before).
     */
    @Test
    void aRetryOfAnUnconfirmedKeyResendsTheSameRunId() throws IOException {
        String id = activeWorkflow("idem_unconfirmed");
        String unconfirmed = java.util.UUID.randomUUID().toString();
        Path entry = DATA_DIR.resolve("idempotency").resolve(id).resolve(sha256("order-77") + ".json");
        Files.createDirectories(entry.getParent());
        Files.writeString(entry, "{\"run_id\": \"" + unconfirmed + "\", \"created_at\": \""
                + Instant.now().minus(Duration.ofMinutes(3)) + "\"}", StandardCharsets.UTF_8);

        Response retry = trigger(id, "order-77");
        assertThat(retry.status()).as(retry.body()).isEqualTo(202);
        assertThat(retry.json().get("run_id").stringValue()).isEqualTo(unconfirmed);
        assertThat(triggersOf(id)).extracting(TriggerRequested::runId).containsExactly(unconfirmed);
    }

    @Test
    void aKeyMustBeOneTo200PrintableCharacters() {
        String id = activeWorkflow("idem_bad");
        assertProblem(trigger(id, ""), 400, "Idempotency-Key");
        assertProblem(trigger(id, "x".repeat(201)), 400, "Idempotency-Key");
        assertProblem(trigger(id, "tab\there"), 400, "Idempotency-Key");
        assertThat(trigger(id, "x".repeat(200)).status()).isEqualTo(202);
        assertThat(trigger(id, "~ all printable: {}[]/\\\"'!").status()).isEqualTo(202);
        assertThat(get("/api/workflows/" + id + "/runs").json().size()).isEqualTo(2);
    }

    @Test
    void racingIdenticalRequestsStartOneRun() throws Exception {
        String id = activeWorkflow("idem_race");
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Response> responses = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return trigger(id, "same-click");
                }));
            }
            start.countDown();
            for (Future<Response> future : futures) {
                responses.add(future.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(responses).extracting(Response::status).containsOnly(200, 202);
        assertThat(responses).filteredOn(r -> r.status() == 202).hasSize(1);
        assertThat(responses).filteredOn(r -> r.status() == 200)
                .allSatisfy(r -> assertThat(r.header("Idempotent-Replayed")).isEqualTo("true"));
        assertThat(responses).extracting(r -> r.json().get("run_id").stringValue()).containsOnly(
                responses.get(0).json().get("run_id").stringValue());
        assertThat(triggersOf(id)).hasSize(1);
        assertThat(get("/api/workflows/" + id + "/runs").json().size()).isEqualTo(1);
    }

    /** Every trigger record of the workflow, after waiting a little for stragglers. */
    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
