package io.zaps.connector.secret;

import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.connector.StepRequestProcessor;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.template.SecretMarkers;
import io.zaps.contract.template.Templates;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static io.zaps.contract.template.SecretMarkers.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretResolvingHandlerTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final String TOKEN = "tok-9Z!x\"y/ü+";
    private static final String SMTP = "smtp-pass-42";
    private static final Map<String, String> STORE = Map.of("t", TOKEN, "smtp", SMTP);

    private final List<ExecuteStep> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger lookups = new AtomicInteger();
    private final SecretLookup lookup = name -> {
        lookups.incrementAndGet();
        return Optional.ofNullable(STORE.get(name));
    };

    @Test
    void theHandlerGetsTheValuesAtAnyDepthAndTheRequestKeepsItsIdentity() {
        ObjectNode config = Json.object().put("url", "http://x/" + marker("t"));
        config.putObject("headers").put("Authorization", "Bearer " + marker("t"));
        config.putObject("body").putArray("list").add(marker("smtp") + ":" + marker("t")).add(3);
        config.put("password", marker("smtp"));
        ExecuteStep request = request(config);

        StepOutcome outcome = handler(r -> StepOutcome.succeeded(Json.object().put("ok", true))).handle(request);

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        ExecuteStep got = seen.get(0);
        assertThat(got.config().at("/headers/Authorization").stringValue()).isEqualTo("Bearer " + TOKEN);
        assertThat(got.config().get("url").stringValue()).isEqualTo("http://x/" + TOKEN);
        assertThat(got.config().at("/body/list/0").stringValue()).isEqualTo(SMTP + ":" + TOKEN);
        assertThat(got.config().at("/body/list/1").intValue()).isEqualTo(3);
        assertThat(got.config().get("password").stringValue()).isEqualTo(SMTP);
        assertThat(got).usingRecursiveComparison().ignoringFields("config").isEqualTo(request);
        assertThat(request.config().get("password").stringValue()).as("the original keeps its marker").isEqualTo(marker("smtp"));
        assertThat(lookups).as("one lookup per name").hasValue(2);
    }

    @Test
    void aConfigWithoutMarkersIsPassedAsIsWithoutTouchingTheStore() {
        ExecuteStep request = request(Json.object().put("x", "secret('t')"));
        handler(r -> StepOutcome.succeeded(null)).handle(request);
        assertThat(seen.get(0)).isSameAs(request);
        assertThat(lookups).hasValue(0);
    }

    @Test
    void anUnknownSecretFailsPermanentlyWithoutCallingTheHandler() {
        StepOutcome outcome = handler(r -> StepOutcome.succeeded(null)).handle(request(Json.object().put("a", marker("t")).put("b", marker("nope"))));
        assertThat(outcome).isEqualTo(StepOutcome.permanent("secret 'nope' does not exist (store it with PUT /api/secrets/nope)"));
        assertThat(seen).isEmpty();
    }

    @Test
    void anUnreadableStoreFailsPermanentlyNamingTheSecret() {
        SecretLookup broken = name -> {
            throw new IllegalStateException("secret '" + name + "' was encrypted with a different master key");
        };
        StepOutcome outcome = new SecretResolvingHandler(recording(r -> StepOutcome.succeeded(null)), broken)
                .handle(request(Json.object().put("a", marker("t"))));
        assertThat(((StepOutcome.Failed) outcome).error()).isEqualTo("secret 't' cannot be read: secret 't' was encrypted with a different master key");
        assertThat(((StepOutcome.Failed) outcome).retryable()).isFalse();
    }

    @Test
    void everyResolvedValueIsMaskedInOutputAndErrorAsWrittenEncodedOrEscaped() {
        String jsonEscaped = Json.mapper().valueToTree(TOKEN).toString();
        StepOutcome outcome = handler(r -> {
            JsonNode output = Json.object()
                    .put("echo", "got " + TOKEN)
                    .put("url", "http://x/?t=" + java.net.URLEncoder.encode(TOKEN, java.nio.charset.StandardCharsets.UTF_8))
                    .put("raw_body", "{\"auth\": " + jsonEscaped + "}")
                    .put(SMTP, "as a key")
                    .set("nested", Json.mapper().createArrayNode().add("x" + SMTP + "x"));
            return StepOutcome.failed("HTTP 401 for Bearer " + TOKEN + " and " + SMTP, true, output, Duration.ofSeconds(7));
        }).handle(request(Json.object().put("h", "Bearer " + marker("t")).put("p", marker("smtp"))));

        StepOutcome.Failed failed = (StepOutcome.Failed) outcome;
        assertThat(failed.error()).isEqualTo("HTTP 401 for Bearer ******** and ********");
        assertThat(failed.retryable()).isTrue();
        assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        String output = failed.output().toString();
        assertThat(output).doesNotContain(TOKEN).doesNotContain(SMTP).doesNotContain(jsonEscaped.substring(1, jsonEscaped.length() - 1))
                .doesNotContain(java.net.URLEncoder.encode(TOKEN, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(failed.output().get("echo").stringValue()).isEqualTo("got " + StepSpec.REDACTED);
        assertThat(failed.output().get(StepSpec.REDACTED).stringValue()).isEqualTo("as a key");
        assertThat(failed.output().at("/nested/0").stringValue()).isEqualTo("x********x");

        StepOutcome succeeded = handler(r -> StepOutcome.succeeded(Json.object().put("v", SMTP)))
                .handle(request(Json.object().put("p", marker("smtp"))));
        assertThat(succeeded.output().get("v").stringValue()).isEqualTo(StepSpec.REDACTED);
    }

    @Test
    void aValueCutShortByAnExcerptOrATruncatedBodyIsHiddenToo() {
        SecretMask mask = new SecretMask(List.of(SMTP, "short"));
        assertThat(mask.mask("HTTP 500: your password " + SMTP.substring(0, 9) + "... (Retry-After: 5 s)"))
                .isEqualTo("HTTP 500: your password ********... (Retry-After: 5 s)");
        assertThat(mask.mask("body cut at " + SMTP.substring(0, 7))).isEqualTo("body cut at ********");
        assertThat(mask.mask("ends with " + SMTP.substring(0, 5))).as("too short a prefix to tell").isEqualTo("ends with smtp-");
        assertThat(mask.mask("the value: short, shor...")).as("short values: whole only").isEqualTo("the value: ********, shor...");
    }

    @Test
    void anExceptionEscapingTheHandlerIsMaskedBeforeTheKitLogsAndReportsIt() {
        SecretResolvingHandler handler = handler(r -> {
            throw new IllegalStateException("cannot log in with " + SMTP, new RuntimeException("inner " + TOKEN));
        });
        assertThatThrownBy(() -> handler.handle(request(Json.object().put("p", marker("smtp")).put("t", marker("t")))))
                .hasMessage("java.lang.IllegalStateException: cannot log in with ********")
                .hasStackTraceContaining("SecretResolvingHandlerTest")
                .cause().hasMessage("java.lang.RuntimeException: inner ********");

        StepRequestProcessor processor = new StepRequestProcessor(handler, Clock.fixed(NOW, ZoneOffset.UTC));
        CompleteStep answer = processor.process(RUN, Json.toBytes(request(Json.object().put("p", marker("smtp")))));
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.error()).contains("cannot log in with ********").doesNotContain(SMTP);
    }

    @Test
    void aMarkerForgedByDataInTheExecutorNeverReachesTheStore() {
        // What the executor sends when the trigger context carries the marker text of a real secret.
        Map<String, Object> context = Map.of("evil", marker("smtp"));
        JsonNode rendered = Templates.render(Json.object().put("body", "{{ evil }}").put("h", "x {{ evil | upper }}"), context, "config");

        StepOutcome outcome = handler(r -> StepOutcome.succeeded(r.config())).handle(request((ObjectNode) rendered));

        assertThat(lookups).hasValue(0);
        assertThat(outcome.output().toString()).doesNotContain(SMTP).contains("secret('smtp')");
        assertThat(SecretMarkers.hasMarker(seen.get(0).config().toString())).isFalse();
    }

    private SecretResolvingHandler handler(Function<ExecuteStep, StepOutcome> handle) {
        return new SecretResolvingHandler(recording(handle), lookup);
    }

    private StepHandler recording(Function<ExecuteStep, StepOutcome> handle) {
        return new StepHandler() {
            @Override
            public String type() {
                return "webhook";
            }

            @Override
            public StepOutcome handle(ExecuteStep request) {
                seen.add(request);
                return handle.apply(request);
            }
        };
    }

    private static ExecuteStep request(ObjectNode config) {
        return new ExecuteStep(1, RUN, "wf", "notify", "webhook", 1, Ids.idempotencyKey(RUN, "notify", 1), config,
                NOW.minusSeconds(1), NOW.plusSeconds(60));
    }
}
