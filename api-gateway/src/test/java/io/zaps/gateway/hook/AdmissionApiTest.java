package io.zaps.gateway.hook;

import io.zaps.contract.event.TriggerRequested;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.gateway.run.RunAdmission;
import io.zaps.store.SecretStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Admission control through the public API, on a real gateway and broker: once the gateway counts
 * {@code zaps.gateway.admission.max-unfinished-runs} runs it accepted and has not seen end, a trigger — REST or inbound
 * webhook — is answered 429 problem+json with {@code Retry-After}, publishes nothing and claims nothing (the same signed
 * delivery is accepted once there is room). No executor runs in these tests, so no run ends by itself: the gate is
 * filled by reserving places for runs that do not exist, as accepted runs would.
 */
class AdmissionApiTest extends GatewayTestSupport {
    private static final String HMAC_SECRET = "whsec-admission-0123456789-never-in-a-run";

    @Autowired
    RunAdmission admission;

    @Autowired
    SecretStore secrets;

    private final List<String> filler = new ArrayList<>();

    @AfterEach
    void makeRoom() {
        filler.forEach(admission::release);
        filler.clear();
    }

    @Test
    void aFullGateAnswers429WithRetryAfterAndPublishesNothing() {
        String restId = uniqueId("admit_rest");
        assertThat(post("/api/workflows", workflowJson(restId, "active")).status()).isEqualTo(201);
        String hookId = uniqueId("admit_hook");
        assertThat(post("/api/workflows", hookWorkflow(hookId)).status()).isEqualTo(201);
        secrets.put("admission-hook", HMAC_SECRET);
        String body = "{\"n\": 7}";
        Map<String, String> delivery = signed(HMAC_SECRET, Instant.now().getEpochSecond(), body);
        fill();

        Response rest = post("/api/workflows/" + restId + "/trigger", "{\"context\": {\"n\": 1}}");
        assertProblem(rest, 429, null);
        assertThat(rest.header("Retry-After")).isEqualTo("1");
        assertThat(rest.json().get("max_unfinished_runs").intValue()).isEqualTo(admission.maxUnfinished());
        assertThat(rest.json().get("detail").stringValue()).contains("nothing was started");

        Response hook = hook(hookId, body, delivery);
        assertProblem(hook, 429, null);
        assertThat(hook.header("Retry-After")).isEqualTo("1");
        assertThat(admission.unfinished()).isEqualTo(admission.maxUnfinished());

        // A repeat of a known Idempotency-Key starts nothing, so it is still answered: not part of this test's fill.
        makeRoom();
        Response accepted = post("/api/workflows/" + restId + "/trigger", "{\"context\": {\"n\": 2}}");
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        // the refused delivery's signature was not kept: the sender's retry of the very same request is accepted
        Response retried = hook(hookId, body, delivery);
        assertThat(retried.status()).as(retried.body()).isEqualTo(202);

        assertThat(triggersOf(restId)).extracting(TriggerRequested::runId).containsExactly(accepted.json().get("run_id").stringValue());
        assertThat(triggersOf(hookId)).extracting(TriggerRequested::runId).containsExactly(retried.json().get("run_id").stringValue());
        assertThat(admission.counts(accepted.json().get("run_id").stringValue())).isTrue();
    }

    @Test
    void aRepeatedIdempotencyKeyIsAnsweredEvenWhenTheGateIsFull() {
        String id = uniqueId("admit_key");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        Map<String, String> headers = Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "Idempotency-Key", "admit-1");
        Response first = send("POST", "/api/workflows/" + id + "/trigger", "{}", headers);
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        fill();

        Response repeat = send("POST", "/api/workflows/" + id + "/trigger", "{}", headers);
        assertThat(repeat.status()).as(repeat.body()).isEqualTo(200);
        assertThat(repeat.json().get("run_id").stringValue()).isEqualTo(first.json().get("run_id").stringValue());
        assertProblem(post("/api/workflows/" + id + "/trigger", "{}"), 429, null);
    }

    /** Reserves every free place, as runs accepted and not ended would hold them. */
    private void fill() {
        for (int i = 0; i <= admission.maxUnfinished(); i++) {
            String runId = UUID.randomUUID().toString();
            if (!admission.tryAdmit(runId)) {
                return;
            }
            filler.add(runId);
        }
        throw new AssertionError("the gate never filled");
    }

    /** The run ids of every trigger record of {@code workflowId} on zaps.triggers, read to the end of each partition. */
    private Response hook(String workflowId, String body, Map<String, String> headers) {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Content-Type", "application/json");
        return send("POST", "/hooks/" + workflowId, body, all);
    }

    private static Map<String, String> signed(String secret, long timestamp, String body) {
        byte[] mac = WebhookAuthenticator.sign(secret, Long.toString(timestamp), body.getBytes(StandardCharsets.UTF_8));
        return Map.of("X-Zaps-Signature", "sha256=" + HexFormat.of().formatHex(mac), "X-Zaps-Timestamp", Long.toString(timestamp));
    }

    private static String hookWorkflow(String id) {
        return """
                {"id": "%s", "name": "hook", "entry_point": "call", "status": "active",
                 "trigger": {"type": "webhook", "auth": "hmac", "secret": "{{ secret('admission-hook') }}"},
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "http://127.0.0.1:8001/notify", "body": {"n": "{{ body.n }}"}}}]}
                """.formatted(id);
    }
}
