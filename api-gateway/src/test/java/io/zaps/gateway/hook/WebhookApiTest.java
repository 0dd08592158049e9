package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.store.FileStore;
import io.zaps.store.SecretStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /hooks/{workflow_id}} on a real gateway with a real embedded KRaft broker. API keys are configured for
 * {@code /api/**}; no webhook request here sends one.
 */
class WebhookApiTest extends GatewayTestSupport {
    private static final String TOKEN = "tok-9f8e7d6c5b4a-never-in-a-run";
    private static final String HMAC_SECRET = "whsec-0123456789abcdef-never-in-a-run";

    @Autowired
    SecretStore secrets;

    @Autowired
    FileStore store;

    @Autowired
    RunCompletionWaiter waiter;

    // ---------------------------------------------------------------- token

    @Test
    void theRightTokenStartsARunWhoseContextIsTheRequestWithoutItsCredentials() throws Exception {
        String id = webhookWorkflow("hook_token", "active", tokenTrigger("hook-token"));
        secrets.put("hook-token", TOKEN);

        Response response = send("POST", "/hooks/" + id + "?source=shop&tag=a&tag=b", "{\"order\": {\"id\": 42, \"total\": 9.5}}",
                Map.of("Content-Type", "application/json", "X-Zaps-Token", TOKEN, "X-Shop-Event", "order.paid",
                        "Authorization", "Bearer another-systems-credential"));

        assertThat(response.status()).as(response.body()).isEqualTo(202);
        JsonNode run = response.json();
        String runId = run.get("run_id").stringValue();
        assertThat(response.header("Location")).isEqualTo("/api/runs/" + runId);
        assertThat(run.get("status").stringValue()).isEqualTo("pending");
        assertThat(run.get("workflow_id").stringValue()).isEqualTo(id);
        JsonNode context = run.get("context");
        assertThat(context.get("body")).isEqualTo(Json.mapper().readTree("{\"order\": {\"id\": 42, \"total\": 9.5}}"));
        assertThat(context.get("query")).isEqualTo(Json.mapper().readTree("{\"source\": \"shop\", \"tag\": [\"a\", \"b\"]}"));
        assertThat(context.get("method").stringValue()).isEqualTo("POST");
        assertThat(Instant.parse(context.get("received_at").stringValue())).isCloseTo(Instant.now(), within(Duration.ofMinutes(1)));
        JsonNode headers = context.get("headers");
        assertThat(headers.get("x-shop-event").stringValue()).isEqualTo("order.paid");
        assertThat(headers.get("content-type").stringValue()).isEqualTo("application/json");
        assertThat(headers.propertyNames()).allMatch(name -> name.equals(name.toLowerCase()))
                .doesNotContain("x-zaps-token", "authorization");

        ConsumerRecord<String, byte[]> record = awaitRecord(Topics.TRIGGERS, r -> runId.equals(r.key()), Duration.ofSeconds(30));
        TriggerRequested trigger = Json.read(record.value(), TriggerRequested.class).validated();
        assertThat(trigger.source()).isEqualTo("webhook");
        assertThat(trigger.eventId()).isEqualTo("webhook:" + runId);
        assertThat(trigger.context()).isEqualTo(context);
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(TOKEN);
        Response stored = get("/api/runs/" + runId);
        assertThat(stored.body()).doesNotContain(TOKEN).contains("order.paid");
        assertThat(stored.json().get("context")).isEqualTo(context);
    }

    @Test
    void aMissingOrWrongTokenIs401AndNeverEchoesTheSecret() {
        String id = webhookWorkflow("hook_badtoken", "active", tokenTrigger("hook-badtoken"));
        secrets.put("hook-badtoken", TOKEN);

        Response wrong = hook(id, "{}", Map.of("X-Zaps-Token", "not-it"));
        assertProblem(wrong, 401, null);
        assertThat(wrong.json().get("detail").stringValue()).contains("X-Zaps-Token");
        Response missing = hook(id, "{}", Map.of());
        assertProblem(missing, 401, null);
        // an API key is no webhook credential
        assertProblem(hook(id, "{}", Map.of("X-API-Key", API_KEY)), 401, null);
        assertThat(wrong.body() + missing.body()).doesNotContain(TOKEN).doesNotContain("not-it");
        assertThat(store.listRuns(id, 10)).isEmpty();
    }

    @Test
    void authenticationComesBeforeTheBodyTheKeyAndTheWorkflowStatus() {
        String id = webhookWorkflow("hook_order", "paused", tokenTrigger("hook-order"));
        secrets.put("hook-order", TOKEN);
        assertProblem(hook(id, "{not json", Map.of("X-Zaps-Token", "wrong", "Idempotency-Key", "")), 401, null);
        assertProblem(hook(id, "{not json", Map.of("X-Zaps-Token", TOKEN)), 400, "body");
        assertProblem(hook(id, "{}", Map.of("X-Zaps-Token", TOKEN, "Idempotency-Key", "tab\there")), 400, "Idempotency-Key");
        Response paused = hook(id, "{}", Map.of("X-Zaps-Token", TOKEN));
        assertProblem(paused, 409, null);
        assertThat(paused.json().get("workflow_status").stringValue()).isEqualTo("paused");
        assertThat(store.listRuns(id, 10)).isEmpty();
    }

    // ---------------------------------------------------------------- hmac

    @Test
    void aValidSignatureStartsOneRunAndItsReplayIs409() {
        String id = webhookWorkflow("hook_hmac", "active", hmacTrigger("hook-hmac", ""));
        secrets.put("hook-hmac", HMAC_SECRET);
        String body = "{\"event\": \"invoice.created\", \"invoice\": \"INV-7\"}";
        long ts = Instant.now().getEpochSecond();
        Map<String, String> headers = signed(HMAC_SECRET, ts, body);

        Response first = hook(id, body, headers);
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        JsonNode context = first.json().get("context");
        assertThat(context.get("body").get("invoice").stringValue()).isEqualTo("INV-7");
        assertThat(context.get("headers").propertyNames()).doesNotContain("x-zaps-signature", "x-zaps-timestamp");
        assertThat(context.toString()).doesNotContain(headers.get("X-Zaps-Signature").substring(7));

        Response replay = hook(id, body, headers);
        assertProblem(replay, 409, null);
        assertThat(replay.json().get("detail").stringValue()).contains("already accepted");
        assertThat(listedRuns(id)).extracting(RunSnapshot::runId).containsExactly(first.json().get("run_id").stringValue());

        // the same body signed anew is a new delivery
        assertThat(hook(id, body, signed(HMAC_SECRET, ts + 1, body)).status()).isEqualTo(202);
    }

    @Test
    void aBadSignatureOrAStaleTimestampIs401() {
        String id = webhookWorkflow("hook_badsig", "active", hmacTrigger("hook-badsig", ", \"tolerance_seconds\": 60"));
        secrets.put("hook-badsig", HMAC_SECRET);
        String body = "{\"amount\": 100}";
        long now = Instant.now().getEpochSecond();

        Response wrongSecret = hook(id, body, signed("guessed-secret", now, body));
        assertProblem(wrongSecret, 401, null);
        assertThat(wrongSecret.json().get("detail").stringValue()).contains("does not match");
        Response tampered = hook(id, "{\"amount\": 1000000}", signed(HMAC_SECRET, now, body));
        assertProblem(tampered, 401, null);
        Response stale = hook(id, body, signed(HMAC_SECRET, now - 600, body));
        assertProblem(stale, 401, null);
        assertThat(stale.json().get("detail").stringValue()).contains("X-Zaps-Timestamp").contains("at most 60 s");
        Response noTimestamp = hook(id, body, Map.of("X-Zaps-Signature", signed(HMAC_SECRET, now, body).get("X-Zaps-Signature")));
        assertProblem(noTimestamp, 401, null);
        assertProblem(hook(id, body, Map.of()), 401, null);
        for (Response r : List.of(wrongSecret, tampered, stale, noTimestamp)) {
            assertThat(r.body()).doesNotContain(HMAC_SECRET);
        }
        assertThat(store.listRuns(id, 10)).isEmpty();
    }

    @Test
    void aSignatureRefusedForAPausedWorkflowCanBeDeliveredAgainOnceActive() {
        String id = webhookWorkflow("hook_paused_sig", "paused", hmacTrigger("hook-paused", ""));
        secrets.put("hook-paused", HMAC_SECRET);
        Map<String, String> headers = signed(HMAC_SECRET, Instant.now().getEpochSecond(), "{}");
        assertProblem(hook(id, "{}", headers), 409, null);
        String active = workflowJsonWith(id, "active", hmacTrigger("hook-paused", ""));
        assertThat(put("/api/workflows/" + id, active).status()).isEqualTo(200);
        assertThat(hook(id, "{}", headers).status()).isEqualTo(202);
    }

    // ---------------------------------------------------------------- bodies

    @Test
    void formAndTextBodiesBecomeTheContextBody() {
        String id = webhookWorkflow("hook_bodies", "active", hmacTrigger("hook-bodies", ""));
        secrets.put("hook-bodies", HMAC_SECRET);
        long now = Instant.now().getEpochSecond();

        String form = "name=Jane+Doe&email=jane%40example.org&item=a&item=b";
        Map<String, String> formHeaders = new HashMap<>(signed(HMAC_SECRET, now, form));
        formHeaders.put("Content-Type", "application/x-www-form-urlencoded");
        Response formRun = hook(id, form, formHeaders);
        assertThat(formRun.status()).as(formRun.body()).isEqualTo(202);
        assertThat(formRun.json().get("context").get("body")).isEqualTo(Json.mapper().readTree(
                "{\"name\": \"Jane Doe\", \"email\": \"jane@example.org\", \"item\": [\"a\", \"b\"]}"));

        String text = "Invoice INV-9 was paid.\nThanks!";
        Map<String, String> textHeaders = new HashMap<>(signed(HMAC_SECRET, now, text));
        textHeaders.put("Content-Type", "text/plain; charset=utf-8");
        Response textRun = hook(id, text, textHeaders);
        assertThat(textRun.status()).as(textRun.body()).isEqualTo(202);
        assertThat(textRun.json().get("context").get("body").stringValue()).isEqualTo(text);

        Map<String, String> emptyHeaders = signed(HMAC_SECRET, now, "");
        Response empty = hook(id, null, emptyHeaders);
        assertThat(empty.status()).as(empty.body()).isEqualTo(202);
        assertThat(empty.json().get("context").get("body").isNull()).isTrue();
    }

    @Test
    void multipartBodiesAre415AndStartNothing() {
        String id = webhookWorkflow("hook_multipart", "active", tokenTrigger("hook-multipart"));
        secrets.put("hook-multipart", TOKEN);
        String multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n";
        assertProblem(hook(id, multipart, Map.of("X-Zaps-Token", TOKEN, "Content-Type", "multipart/form-data; boundary=XyZ")), 415, "body");
        assertProblem(hook(id, "x", Map.of("X-Zaps-Token", TOKEN, "Content-Type", "multipart/form-data; boundary=x")), 415, "body");
        assertThat(store.listRuns(id, 10)).isEmpty();
    }

    @Test
    void aBodyAboveTheGatewayLimitIs413() {
        String id = webhookWorkflow("hook_big", "active", tokenTrigger("hook-big"));
        secrets.put("hook-big", TOKEN);
        Response big = hook(id, "\"" + "x".repeat(1024 * 1024 + 10) + "\"", Map.of("X-Zaps-Token", TOKEN));
        assertProblem(big, 413, null);
    }

    // ---------------------------------------------------------------- who may be called

    @Test
    void unknownWorkflowsAndWorkflowsWithoutAWebhookTriggerLookAlike() {
        String restOnly = uniqueId("rest_only");
        assertThat(post("/api/workflows", workflowJson(restOnly, "active")).status()).isEqualTo(201);
        Response noTrigger = hook(restOnly, "{}", Map.of("X-Zaps-Token", TOKEN));
        Response unknown = hook("no_such_workflow", "{}", Map.of("X-Zaps-Token", TOKEN));
        Response unsafe = hook("..%2Fescape", "{}", Map.of("X-Zaps-Token", TOKEN));
        assertProblem(noTrigger, 404, null);
        assertProblem(unknown, 404, null);
        assertThat(noTrigger.json().get("detail").stringValue()).isEqualTo("there is no webhook at /hooks/" + restOnly);
        assertThat(unknown.json().get("detail").stringValue()).isEqualTo("there is no webhook at /hooks/no_such_workflow");
        assertThat(unsafe.status()).isIn(400, 404);
    }

    @Test
    void aSecretMissingFromTheStoreIs503NamingIt() {
        String id = webhookWorkflow("hook_nosecret", "active", tokenTrigger("hook-never-stored"));
        Response response = hook(id, "{}", Map.of("X-Zaps-Token", TOKEN));
        assertProblem(response, 503, null);
        assertThat(response.json().get("detail").stringValue()).contains("'hook-never-stored'").contains("PUT /api/secrets/hook-never-stored");
        assertThat(response.json().get("secret").stringValue()).isEqualTo("hook-never-stored");
    }

    @Test
    void aSecretRotatedOrDeletedElsewhereTakesEffectOnTheNextRequest() {
        String id = webhookWorkflow("hook_rotate", "active", tokenTrigger("hook-rotate"));
        secrets.put("hook-rotate", TOKEN);
        assertThat(hook(id, "{}", Map.of("X-Zaps-Token", TOKEN)).status()).isEqualTo(202);
        // another gateway sharing the data folder rotates it: its own store, the same folder and key file
        SecretStore elsewhere = SecretStore.open(DATA_DIR, null, java.time.Clock.systemUTC());
        String rotated = TOKEN.replace('9', '8');
        elsewhere.put("hook-rotate", rotated);
        assertProblem(hook(id, "{}", Map.of("X-Zaps-Token", TOKEN)), 401, null);
        assertThat(hook(id, "{}", Map.of("X-Zaps-Token", rotated)).status()).isEqualTo(202);
        elsewhere.delete("hook-rotate");
        assertProblem(hook(id, "{}", Map.of("X-Zaps-Token", rotated)), 503, null);
        assertThat(listedRuns(id)).hasSize(2);
    }

    @Test
    void anIdempotencyKeyAnswersTheRunItStarted() {
        String id = webhookWorkflow("hook_idem", "active", tokenTrigger("hook-idem"));
        secrets.put("hook-idem", TOKEN);
        Response first = hook(id, "{\"n\": 1}", Map.of("X-Zaps-Token", TOKEN, "Idempotency-Key", "delivery-1"));
        assertThat(first.status()).isEqualTo(202);
        Response again = hook(id, "{\"n\": 1}", Map.of("X-Zaps-Token", TOKEN, "Idempotency-Key", "delivery-1"));
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(again.json().get("run_id").stringValue()).isEqualTo(first.json().get("run_id").stringValue());
        assertThat(listedRuns(id)).hasSize(1);
    }

    // ---------------------------------------------------------------- respond: on_completion

    @Test
    void onCompletionAnswersTheLastStepsOutputOnceTheRunIsFinal() throws Exception {
        String id = webhookWorkflow("hook_wait", "active", tokenTrigger("hook-wait", ", \"respond\": \"on_completion\""));
        secrets.put("hook-wait", TOKEN);
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> hook(id, "{\"n\": 7}", Map.of("X-Zaps-Token", TOKEN)));

        RunSnapshot pending = listedRun(id);
        Thread.sleep(300); // the request is now waiting
        assertThat(answer).isNotDone();
        // what the projector writes once the executor finished the run
        store.saveRunIfNewer(finished(pending, RunStatus.COMPLETED, null, "{\"response\": {\"status_code\": 200, \"body\": {\"ok\": 7}}}"));

        Response response = answer.get(20, TimeUnit.SECONDS);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.header("Location")).isEqualTo("/api/runs/" + pending.runId());
        assertThat(response.json()).isEqualTo(Json.mapper().readTree("""
                {"run_id": "%s", "status": "completed", "step_id": "call",
                 "output": {"response": {"status_code": 200, "body": {"ok": 7}}}, "error": null}""".formatted(pending.runId())));
    }

    @Test
    void onCompletionAnswersAFailedRunWith200AndItsError() throws Exception {
        String id = webhookWorkflow("hook_wait_fail", "active", tokenTrigger("hook-wait-fail", ", \"respond\": \"on_completion\""));
        secrets.put("hook-wait-fail", TOKEN);
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> hook(id, "{}", Map.of("X-Zaps-Token", TOKEN)));
        RunSnapshot pending = listedRun(id);
        store.saveRunIfNewer(finished(pending, RunStatus.FAILED, "step 'call' failed: HTTP 500", "{\"response\": {\"status_code\": 500}}"));

        Response response = answer.get(20, TimeUnit.SECONDS);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.json().get("status").stringValue()).isEqualTo("failed");
        assertThat(response.json().get("error").stringValue()).isEqualTo("step 'call' failed: HTTP 500");
        assertThat(response.json().get("output").get("response").get("status_code").intValue()).isEqualTo(500);
    }

    @Test
    void onCompletionAnswersFromTheFinalRunEventOnKafka() throws Exception {
        String id = webhookWorkflow("hook_wait_kafka", "active", tokenTrigger("hook-wait-kafka", ", \"respond\": \"on_completion\""));
        secrets.put("hook-wait-kafka", TOKEN);
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> hook(id, "{\"n\": 8}", Map.of("X-Zaps-Token", TOKEN)));
        RunSnapshot pending = listedRun(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> waiter.waitsFor(pending.runId()));

        // as the executor publishes it; the projector writes it and tells the waiter (RunCompletionWaiterTest: no tick)
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(runEvent(pending.runId(), id, RunStatus.COMPLETED, 5, pending.createdAt())).get();
        }

        Response response = answer.get(20, TimeUnit.SECONDS);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().get("run_id").stringValue()).isEqualTo(pending.runId());
        assertThat(response.json().get("status").stringValue()).isEqualTo("completed");
        assertThat(waiter.waitsFor(pending.runId())).isFalse();
    }

    @Test
    void onCompletionAnswers202WithTheRunWhenItTakesLongerThanTheBound() {
        String id = webhookWorkflow("hook_wait_slow", "active",
                tokenTrigger("hook-wait-slow", ", \"respond\": \"on_completion\", \"response_timeout_seconds\": 1"));
        secrets.put("hook-wait-slow", TOKEN);
        long started = System.nanoTime();
        Response response = hook(id, "{}", Map.of("X-Zaps-Token", TOKEN));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        String runId = response.json().get("run_id").stringValue();
        assertThat(response.header("Location")).isEqualTo("/api/runs/" + runId);
        assertThat(response.json().get("status").stringValue()).isEqualTo("pending");
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void waitingRequestsAreAsyncAndHoldNoRequestThread() throws Exception {
        String id = webhookWorkflow("hook_many", "active",
                tokenTrigger("hook-many", ", \"respond\": \"on_completion\", \"response_timeout_seconds\": 6"));
        secrets.put("hook-many", TOKEN);
        int count = 12;
        ExecutorService clients = Executors.newFixedThreadPool(count);
        try {
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> hook(id, "{}", Map.of("X-Zaps-Token", TOKEN)), clients));
            }
            // every request waits in the poller's list, its servlet thread back in the pool
            await().atMost(Duration.ofSeconds(20)).until(waiter::waitingCount, n -> n >= count);
            long started = System.nanoTime();
            assertThat(get("/health").status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
            for (CompletableFuture<Response> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS).status()).isEqualTo(202);
            }
            assertThat(waiter.waitingCount()).isZero();
        } finally {
            clients.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- helpers

    private Response hook(String workflowId, String body, Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.putIfAbsent("Content-Type", "application/json");
        if (body == null) {
            all.remove("Content-Type");
        }
        return send("POST", "/hooks/" + workflowId, body, all);
    }

    private static Map<String, String> signed(String secret, long timestamp, String body) {
        byte[] mac = WebhookAuthenticator.sign(secret, Long.toString(timestamp), body.getBytes(StandardCharsets.UTF_8));
        return Map.of("X-Zaps-Signature", "sha256=" + HexFormat.of().formatHex(mac), "X-Zaps-Timestamp", Long.toString(timestamp));
    }

    private static String tokenTrigger(String secret) {
        return tokenTrigger(secret, "");
    }

    private static String tokenTrigger(String secret, String more) {
        return "{\"type\": \"webhook\", \"auth\": \"token\", \"secret\": \"{{ secret('" + secret + "') }}\"" + more + "}";
    }

    private static String hmacTrigger(String secret, String more) {
        return "{\"type\": \"webhook\", \"auth\": \"hmac\", \"secret\": \"{{ secret('" + secret + "') }}\"" + more + "}";
    }

    private String webhookWorkflow(String prefix, String status, String trigger) {
        String id = uniqueId(prefix);
        Response created = post("/api/workflows", workflowJsonWith(id, status, trigger));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return id;
    }

    private static String workflowJsonWith(String id, String status, String trigger) {
        return """
                {"id": "%s", "name": "hook", "entry_point": "call", "status": "%s", "trigger": %s,
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "http://127.0.0.1:8001/notify", "body": {"n": "{{ body.n }}"}}}]}
                """.formatted(id, status, trigger);
    }

    /** The workflow's runs as the API lists them: accepted by this gateway, not projected (no executor runs here). */
    private List<RunSnapshot> listedRuns(String workflowId) {
        return List.of(Json.read(get("/api/workflows/" + workflowId + "/runs?limit=10").body().getBytes(StandardCharsets.UTF_8),
                RunSnapshot[].class));
    }

    private RunSnapshot listedRun(String workflowId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> listedRuns(workflowId), runs -> !runs.isEmpty()).get(0);
    }

    private static RunSnapshot finished(RunSnapshot pending, RunStatus status, String error, String output) {
        Instant now = Instant.now();
        Map<String, StepState> steps = new LinkedHashMap<>();
        steps.put("call", new StepState("call", "webhook", status == RunStatus.COMPLETED ? StepStatus.COMPLETED : StepStatus.FAILED, 1,
                null, now, now, error, Json.mapper().readTree(output)));
        return new RunSnapshot(pending.runId(), pending.workflowId(), pending.workflowVersion(), status, pending.createdAt(), now, now, now,
                pending.context(), steps, status == RunStatus.FAILED ? "call" : null, error, 4);
    }

    private static org.assertj.core.data.TemporalUnitOffset within(Duration duration) {
        return new org.assertj.core.data.TemporalUnitWithinOffset(duration.toMillis(), java.time.temporal.ChronoUnit.MILLIS);
    }
}
