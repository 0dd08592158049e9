package io.zaps.gateway.hook;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Ids;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.trigger.WebhookTrigger;
import io.zaps.contract.workflow.Violation;
import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.run.TriggerService;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.SecretStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@code POST /hooks/{workflow_id}}: starts a run of a workflow whose trigger is a {@code webhook}, authenticated by the
 * workflow's secret instead of an API key (the API-key filter guards {@code /api/*} only).
 *
 * <p>Order of checks: the workflow must have a webhook trigger (else 404, the same answer for an unknown workflow), the
 * body must not be multipart (415) and must fit the gateway's size limit (413), the secret must be in the credential store (503), then the request is
 * authenticated (401) before anything else is looked at: the {@code Idempotency-Key} (400), the body (400/415), a replayed
 * signature (409), the workflow's status (409, as the REST trigger), admission control (429 with {@code Retry-After}:
 * the gateway has too many accepted runs that have not ended; nothing is claimed or published). The body is read raw from the servlet stream (never
 * through request parameters) so the signature covers exactly the bytes received.
 */
@Tag(name = "webhooks", description = "Inbound webhooks: workflows whose trigger is a webhook")
@RestController
class HookController {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String REPLAYED = "Idempotent-Replayed";
    static final String SOURCE = "webhook";
    /** As on the REST trigger. */
    private static final Pattern VALID_KEY = Pattern.compile("[\\x20-\\x7E]{1,200}");
    private static final Logger log = LoggerFactory.getLogger(HookController.class);

    private final TriggerService triggers;
    private final SecretStore secrets;
    private final SignatureReplayStore signatures;
    private final RunCompletionWaiter waiter;
    private final Clock clock;
    private final long maxBodyBytes;

    HookController(TriggerService triggers, SecretStore secrets, SignatureReplayStore signatures, RunCompletionWaiter waiter,
                   Clock clock, GatewayProperties properties) {
        this.triggers = triggers;
        this.secrets = secrets;
        this.signatures = signatures;
        this.waiter = waiter;
        this.clock = clock;
        this.maxBodyBytes = properties.maxBodySize().toBytes();
    }

    @Operation(summary = "Start a run from an inbound webhook",
            description = "Any JSON, form-encoded or text body. The run's context is {body, headers, query, method, received_at}; "
                    + "the authentication headers are left out. auth token: the trigger's header (X-Zaps-Token) holds the secret. "
                    + "auth hmac: X-Zaps-Signature: sha256=<hex HMAC-SHA256(secret, \"<X-Zaps-Timestamp>.<raw body>\")> and "
                    + "X-Zaps-Timestamp: Unix seconds within tolerance_seconds of the gateway's clock; each signature is accepted once. "
                    + "respond accepted: 202 with the pending run and Location, as the REST trigger. respond on_completion: 200 "
                    + "{run_id, status, step_id, output, error} once the run is final (also when it failed), or 202 with the run "
                    + "and Location after response_timeout_seconds. Idempotency-Key as on the REST trigger. Errors: 404 no such "
                    + "webhook, 401 bad token/signature/timestamp, 409 replayed signature or paused/disabled workflow, 503 secret missing, "
                    + "429 with Retry-After when the gateway already has zaps.gateway.admission.max-unfinished-runs (default 5000) "
                    + "accepted runs that have not ended: nothing was started or claimed, send the same request again later.")
    @ApiResponse(responseCode = "202", description = "accepted (respond accepted), or still running at the bound (on_completion)")
    @ApiResponse(responseCode = "200", description = "the run is final (on_completion), or the Idempotency-Key already started it")
    @ApiResponse(responseCode = "400", description = "the Idempotency-Key or a JSON body is malformed")
    @ApiResponse(responseCode = "401", description = "missing or wrong token or signature, stale timestamp")
    @ApiResponse(responseCode = "404", description = "no workflow with a webhook trigger has this id")
    @ApiResponse(responseCode = "409", description = "the signature was already accepted, or the workflow is paused or disabled")
    @ApiResponse(responseCode = "413", description = "the body is larger than zaps.gateway.max-body-size (1 MiB)")
    @ApiResponse(responseCode = "415", description = "a multipart body, or a body of a type the webhook does not read")
    @ApiResponse(responseCode = "429", description = "overloaded: too many accepted runs have not ended yet "
            + "(zaps.gateway.admission.max-unfinished-runs); nothing was started, retry after Retry-After seconds")
    @ApiResponse(responseCode = "503", description = "the webhook's secret is not in the credential store, or Kafka did not take the trigger")
    @PostMapping("/hooks/{workflow_id}")
    Object hook(@PathVariable("workflow_id") String workflowId,
                @Parameter(hidden = true) HttpServletRequest request,
                @Parameter(hidden = true) HttpServletResponse response) throws IOException {
        Instant receivedAt = clock.instant();
        TriggerService.Target target = targetOf(workflowId);
        WebhookTrigger hook = (WebhookTrigger) target.trigger();
        byte[] body = readBody(request, response);
        String secret = secretOf(hook);

        WebhookAuthenticator.Verdict verdict = WebhookAuthenticator.check(hook, secret, request::getHeader, body, receivedAt);
        if (verdict instanceof WebhookAuthenticator.Refused refused) {
            log.info("webhook of workflow {} refused: {}", workflowId, refused.reason());
            throw new ApiException(HttpStatus.UNAUTHORIZED, refused.reason(), List.of());
        }
        WebhookAuthenticator.Accepted accepted = (WebhookAuthenticator.Accepted) verdict;

        String idempotencyKey = request.getHeader(IDEMPOTENCY_KEY);
        if (idempotencyKey != null && !VALID_KEY.matcher(idempotencyKey).matches()) {
            throw ApiException.badRequest(IDEMPOTENCY_KEY, "must be 1 to 200 printable ASCII characters");
        }
        if (idempotencyKey == null) {
            // Overloaded: refused before the body is parsed and the signature claimed (a repeated key is still answered).
            triggers.refuseIfOverloaded();
        }
        ObjectNode context = context(hook, request, body, receivedAt);

        boolean claimed = false;
        if (accepted.replayKey() != null) {
            if (!signatures.claim(workflowId, accepted.timestamp(), accepted.replayKey())) {
                throw ApiException.conflict("this signature was already accepted: a replayed delivery starts nothing "
                        + "(sign each new delivery with the current " + WebhookTrigger.TIMESTAMP_HEADER + ")");
            }
            claimed = true;
        }
        TriggerService.Triggered triggered;
        try {
            triggered = triggers.trigger(target, context, idempotencyKey, SOURCE, context.get("body"));
        } catch (RuntimeException e) {
            if (claimed) {
                // No run was started (paused, Kafka down, ...): the same delivery may be sent again.
                releaseQuietly(workflowId, accepted);
            }
            throw e;
        }
        return answer(hook, triggered);
    }

    /**
     * {@code respond: accepted} is answered on the request thread, as the REST trigger: a {@link DeferredResult} would
     * start async processing and dispatch the request through the servlet container and every filter a second time.
     * Spring picks the return value handler by the returned object's class, so either kind may be returned.
     */
    private Object answer(WebhookTrigger hook, TriggerService.Triggered triggered) {
        RunSnapshot run = triggered.run();
        Function<RunSnapshot, ResponseEntity<Object>> snapshot = latest -> with(
                triggered.replayed() && !hook.respondOnCompletion() ? ResponseEntity.ok() : ResponseEntity.accepted(),
                latest, triggered.replayed()).body(latest);
        if (!hook.respondOnCompletion()) {
            return snapshot.apply(run);
        }
        return waiter.await(run, Duration.ofSeconds(hook.responseTimeoutSeconds()),
                done -> with(ResponseEntity.ok(), done, triggered.replayed()).body(HookAnswers.completion(done)),
                snapshot);
    }

    private static ResponseEntity.BodyBuilder with(ResponseEntity.BodyBuilder builder, RunSnapshot run, boolean replayed) {
        builder.location(URI.create("/api/runs/" + run.runId()));
        if (replayed) {
            builder.header(REPLAYED, "true");
        }
        return builder;
    }

    /** The same answer for an unknown workflow and one without a webhook trigger: which one is nobody's business. */
    private TriggerService.Target targetOf(String workflowId) {
        if (Ids.isSafe(workflowId)) {
            var target = triggers.target(workflowId);
            if (target.isPresent() && target.get().trigger() instanceof WebhookTrigger) {
                return target.get();
            }
        }
        throw ApiException.notFound("there is no webhook at /hooks/" + (Ids.isSafe(workflowId) ? workflowId : "{workflow_id}"));
    }

    private String secretOf(WebhookTrigger hook) {
        String name = hook.secretName();
        return secrets.value(name).filter(value -> !value.isEmpty()).orElseThrow(() -> {
            log.error("webhook secret '{}' is missing from the credential store", name);
            return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "the secret '" + name + "' of this webhook is not in the "
                    + "credential store: store it with PUT /api/secrets/" + name, List.of()).with("secret", name);
        });
    }

    /**
     * The raw bytes, at most the gateway's body limit. Multipart bodies are refused before reading: Spring's multipart
     * resolver consumes them before any handler runs, so neither a signature nor the context could cover them.
     */
    private byte[] readBody(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String contentType = request.getContentType();
        if (contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith("multipart/")) {
            throw unsupported("body", "multipart bodies are not accepted: send JSON, " + HookContext.FORM + " or text");
        }
        if (request.getContentLengthLong() > maxBodyBytes) {
            throw tooLarge(response);
        }
        try (InputStream in = request.getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (body.length > maxBodyBytes) {
                throw tooLarge(response);
            }
            return body;
        }
    }

    private ApiException tooLarge(HttpServletResponse response) {
        response.setHeader(HttpHeaders.CONNECTION, "close"); // do not read the rest
        return new ApiException(HttpStatus.CONTENT_TOO_LARGE, "the request body is too large (at most " + maxBodyBytes + " bytes)", List.of());
    }

    private static ObjectNode context(WebhookTrigger hook, HttpServletRequest request, byte[] body, Instant receivedAt) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Collections.list(request.getHeaders(name)));
        }
        Set<String> excluded = Set.of(hook.header().toLowerCase(Locale.ROOT), WebhookTrigger.TIMESTAMP_HEADER.toLowerCase(Locale.ROOT));
        try {
            return HookContext.build(request.getMethod(), headers, excluded, request.getQueryString(), request.getContentType(),
                    body, receivedAt);
        } catch (HookContext.UnreadableException e) {
            if (e.unsupportedType()) {
                throw unsupported(e.field(), e.getMessage());
            }
            throw ApiException.badRequest(e.field(), e.getMessage());
        }
    }

    /** 415 naming the field, like {@link ApiException#badRequest}. */
    private static ApiException unsupported(String field, String message) {
        return new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, field + ": " + message, List.of(new Violation(field, message)));
    }

    private void releaseQuietly(String workflowId, WebhookAuthenticator.Accepted accepted) {
        try {
            signatures.release(workflowId, accepted.timestamp(), accepted.replayKey());
        } catch (RuntimeException e) {
            log.warn("could not release a webhook signature of workflow {}: {}", workflowId, e.getMessage());
        }
    }
}
