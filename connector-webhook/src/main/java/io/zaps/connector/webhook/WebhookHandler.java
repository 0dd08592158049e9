package io.zaps.connector.webhook;

import io.opentelemetry.context.Context;
import io.zaps.connector.RetryAfter;
import io.zaps.connector.StepDeadline;
import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.step.WebhookSpec;
import io.zaps.kafka.trace.TraceHeaders;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Executes {@code webhook} steps (see {@link WebhookSpec}). 2xx succeeds; any other answer fails
 * with the response still in the output, retryable for 5xx, 429 and 408. A retryable answer's
 * {@code Retry-After} (seconds or an HTTP-date) goes back to the executor as the least wait before
 * the next attempt. A call takes at most the step's {@code timeout_seconds}, and never longer than
 * the request's deadline leaves ({@link StepDeadline}).
 */
final class WebhookHandler implements StepHandler {
    static final String USER_AGENT = "zaps/0.1";
    private static final int EXCERPT_LENGTH = 200;

    private final WebhookClient client;
    private final Clock clock;

    WebhookHandler(WebhookClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    @Override
    public String type() {
        return WebhookSpec.TYPE;
    }

    @Override
    public StepOutcome handle(ExecuteStep request) {
        WebhookConfig config;
        try {
            config = WebhookConfig.from(request.config());
        } catch (WebhookConfig.InvalidConfigException e) {
            return StepOutcome.permanent(e.getMessage());
        }
        Map<String, String> fixed = new LinkedHashMap<>();
        fixed.put("Idempotency-Key", request.idempotencyKey());
        fixed.put("User-Agent", USER_AGENT);
        fixed.put("X-Zaps-Run-Id", request.runId());
        fixed.put("X-Zaps-Step-Id", request.stepId());
        // The receiver may continue the run's trace (W3C trace context, as OpenTelemetry's HTTP clients send it):
        // the connector's span is current while the request is handled. A configured traceparent is the user's.
        String traceparent = TraceHeaders.traceparent(Context.current());
        if (traceparent != null && config.headers().keySet().stream().noneMatch(Topics.HEADER_TRACEPARENT::equalsIgnoreCase)) {
            fixed.put(Topics.HEADER_TRACEPARENT, traceparent);
        }
        WebhookClient.Exchange exchange;
        try {
            exchange = client.call(config, fixed, StepDeadline.budget(request, Duration.ofSeconds(config.timeoutSeconds()), clock));
        } catch (WebhookClient.CallFailedException e) {
            return StepOutcome.failed(e.getMessage(), e.retryable(), null);
        }
        ObjectNode output = Json.object();
        output.set("response", response(exchange));
        int status = exchange.statusCode();
        if (status >= 200 && status < 300) {
            return StepOutcome.succeeded(output);
        }
        String error = "HTTP " + status + " from " + exchange.method() + " " + exchange.url() + excerpt(exchange);
        if (!retryable(status)) {
            return StepOutcome.failed(error, false, output);
        }
        Duration retryAfter = RetryAfter.parse(exchange.headers().get("retry-after"), clock.instant()).orElse(null);
        if (retryAfter != null) {
            error += " (Retry-After: " + retryAfter.getSeconds() + " s)";
        }
        return StepOutcome.failed(error, true, output, retryAfter);
    }

    /** Whether trying again could help: server trouble, rate limiting, a request timeout. */
    static boolean retryable(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    private static ObjectNode response(WebhookClient.Exchange exchange) {
        ObjectNode response = Json.object();
        response.put("status_code", exchange.statusCode());
        ObjectNode headers = response.putObject("headers");
        exchange.headers().forEach(headers::put);
        response.set("body", body(exchange));
        response.put("body_truncated", exchange.body().truncated());
        return response;
    }

    private static JsonNode body(WebhookClient.Exchange exchange) {
        String text = text(exchange);
        if (!exchange.body().truncated() && isJson(exchange.contentType()) && !text.isBlank()) {
            try {
                return Json.mapper().readTree(text);
            } catch (JacksonException e) {
                // Says JSON but is not: keep what was sent as text rather than failing the step.
            }
        }
        return JsonNodeFactory.instance.stringNode(text);
    }

    private static boolean isJson(String contentType) {
        String type = contentType.toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
        return type.equals("application/json") || type.endsWith("+json");
    }

    private static String text(WebhookClient.Exchange exchange) {
        return new String(exchange.body().bytes(), charset(exchange.contentType()));
    }

    private static Charset charset(String contentType) {
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("charset")) {
                try {
                    return Charset.forName(pair[1].trim().replace("\"", ""));
                } catch (IllegalArgumentException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static String excerpt(WebhookClient.Exchange exchange) {
        String text = text(exchange).replaceAll("\\s+", " ").trim();
        if (text.isEmpty()) {
            return "";
        }
        return ": " + (text.length() > EXCERPT_LENGTH ? text.substring(0, EXCERPT_LENGTH) + "..." : text);
    }
}
