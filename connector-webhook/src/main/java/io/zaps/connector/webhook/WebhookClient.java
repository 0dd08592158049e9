package io.zaps.connector.webhook;

import io.zaps.connector.net.CappedBodySubscriber;
import io.zaps.connector.net.OutboundAddressPolicy;
import io.zaps.contract.Json;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one webhook call: checks every target with the {@link OutboundAddressPolicy} before
 * connecting, follows redirects itself (so that each hop is checked), keeps the response body
 * within a cap, and bounds the whole call, redirects and body included, by the step's timeout.
 * Failures without a usable response come out as {@link CallFailedException}, already classified.
 */
final class WebhookClient {
    static final int MAX_REDIRECTS = 5;
    // Sent with the configured headers on every hop; a cross-origin redirect must not carry them.
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie");

    private final HttpClient http;
    private final OutboundAddressPolicy policy;
    private final int maxResponseBytes;

    WebhookClient(HttpClient http, OutboundAddressPolicy policy, int maxResponseBytes) {
        this.http = http;
        this.policy = policy;
        this.maxResponseBytes = maxResponseBytes;
    }

    /**
     * The production client: HTTP/1.1, no automatic redirects (they are followed here, checked).
     * The connect timeout is the largest a step may ask for; each call is bounded by its own
     * deadline on top.
     */
    static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(io.zaps.contract.step.WebhookSpec.MAX_TIMEOUT_SECONDS))
                .build();
    }

    /** The final response of a call. Header names are lower case, repeated values joined with ", ". */
    record Exchange(String method, URI url, int statusCode, Map<String, String> headers, CappedBodySubscriber.Body body) {
        String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    /** No usable response: refused, timed out, denied, too many redirects... */
    static final class CallFailedException extends Exception {
        private final boolean retryable;

        CallFailedException(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }

        boolean retryable() {
            return retryable;
        }
    }

    /**
     * Calls {@code config.url()} within {@code budget} (redirects and body included): the step's
     * timeout, or less when the attempt's deadline is nearer.
     *
     * @param fixedHeaders headers Zaps always sends (idempotency key, user agent, run and step id);
     *                     they replace configured headers of the same name
     */
    Exchange call(WebhookConfig config, Map<String, String> fixedHeaders, Duration budget) throws CallFailedException {
        if (budget.isZero() || budget.isNegative()) {
            throw new CallFailedException("not attempted: no time left before the attempt's deadline", true);
        }
        long deadline = System.nanoTime() + budget.toNanos();
        String limit = describe(budget) + (budget.equals(Duration.ofSeconds(config.timeoutSeconds())) ? "" : " (the attempt's deadline)");
        String method = config.method();
        URI url = config.url();
        byte[] body = config.body() == null ? null : Json.toBytes(config.body());
        Map<String, String> configured = config.headers();
        Set<String> visited = new HashSet<>();
        visited.add(method + " " + url.normalize());
        for (int redirects = 0; ; redirects++) {
            checkTarget(url, redirects > 0);
            HttpResponse<CappedBodySubscriber.Body> response =
                    send(request(method, url, body, configured, fixedHeaders, limit, deadline), limit, deadline);
            int status = response.statusCode();
            String location = response.headers().firstValue("location").orElse(null);
            if (!isRedirect(status) || location == null) {
                return new Exchange(method, url, status, headers(response.headers()), response.body());
            }
            if (redirects == MAX_REDIRECTS) {
                throw new CallFailedException("too many redirects (more than " + MAX_REDIRECTS + ") starting at "
                        + config.method() + " " + config.url(), false);
            }
            URI next = redirectTarget(url, location);
            if (status != 307 && status != 308 && !method.equals("HEAD")) {
                method = "GET";
                body = null;
            }
            if (!sameOrigin(url, next)) {
                configured = withoutCredentials(configured);
            }
            if (!visited.add(method + " " + next.normalize())) {
                throw new CallFailedException("redirect loop: " + url + " redirects (" + status + ") back to " + next, false);
            }
            url = next;
        }
    }

    private void checkTarget(URI url, boolean redirected) throws CallFailedException {
        try {
            policy.check(url);
        } catch (UnknownHostException e) {
            // DNS can be briefly wrong or unreachable; a real typo fails again on every attempt.
            throw new CallFailedException("unknown host: " + url.getHost(), true);
        } catch (OutboundAddressPolicy.DeniedTargetException e) {
            throw new CallFailedException(e.getMessage() + (redirected ? " (redirect target " + url + ")" : ""), false);
        }
    }

    private static HttpRequest request(String method, URI url, byte[] body, Map<String, String> configured,
                                       Map<String, String> fixedHeaders, String limit, long deadline) throws CallFailedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(remaining(deadline, limit));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(configured);
        if (body != null) {
            headers.putIfAbsent("Content-Type", "application/json");
        }
        headers.keySet().removeAll(fixedHeaders.keySet());
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.putAll(fixedHeaders);
        for (Map.Entry<String, String> header : all.entrySet()) {
            try {
                builder.setHeader(header.getKey(), header.getValue());
            } catch (IllegalArgumentException e) {
                throw new CallFailedException("invalid webhook config: header '" + header.getKey() + "' cannot be sent: " + e.getMessage(), false);
            }
        }
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return builder.build();
    }

    private HttpResponse<CappedBodySubscriber.Body> send(HttpRequest request, String limit, long deadline) throws CallFailedException {
        String what = request.method() + " " + request.uri();
        CompletableFuture<HttpResponse<CappedBodySubscriber.Body>> future =
                http.sendAsync(request, info -> new CappedBodySubscriber(maxResponseBytes));
        try {
            return future.get(remaining(deadline, limit).toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw timedOut(limit, what);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new CallFailedException("interrupted while calling " + what + " (connector shutting down)", true);
        } catch (CancellationException e) {
            throw new CallFailedException("call cancelled: " + what, true);
        } catch (ExecutionException e) {
            throw classify(e.getCause(), request.uri(), what, limit);
        }
    }

    private static CallFailedException classify(Throwable failure, URI url, String what, String limit) {
        if (failure instanceof HttpConnectTimeoutException || failure instanceof HttpTimeoutException) {
            return timedOut(limit, what);
        }
        if (failure instanceof ConnectException) {
            String detail = rootMessageOrNull(failure);
            return detail == null || detail.toLowerCase(Locale.ROOT).contains("refused")
                    ? new CallFailedException("connection refused: " + url, true)
                    : new CallFailedException("cannot connect to " + url + ": " + detail, true);
        }
        if (failure instanceof SSLHandshakeException) {
            // A certificate the JVM does not trust will not become trusted by trying again.
            return new CallFailedException("TLS handshake with " + url + " failed: " + rootMessage(failure), false);
        }
        if (failure instanceof IOException) {
            return new CallFailedException("I/O error calling " + what + ": " + rootMessage(failure), true);
        }
        return new CallFailedException("calling " + what + " failed: " + rootMessage(failure), false);
    }

    private static CallFailedException timedOut(String limit, String what) {
        return new CallFailedException("timed out after " + limit + " calling " + what, true);
    }

    private static Duration remaining(long deadline, String limit) throws CallFailedException {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw new CallFailedException("timed out after " + limit + " (redirects included)", true);
        }
        return Duration.ofNanos(nanos);
    }

    /** {@code 30s}, or {@code 2.5s} for a budget cut to the deadline. */
    static String describe(Duration budget) {
        if (budget.getNano() == 0) {
            return budget.getSeconds() + "s";
        }
        return java.math.BigDecimal.valueOf(budget.toMillis(), 3).stripTrailingZeros().toPlainString() + "s";
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static URI redirectTarget(URI from, String location) throws CallFailedException {
        try {
            return WebhookConfig.checkedUrl(from.resolve(URI.create(location.trim())));
        } catch (IllegalArgumentException e) {
            throw new CallFailedException("invalid redirect from " + from + ": Location '" + location + "' is not a URL", false);
        } catch (WebhookConfig.InvalidConfigException e) {
            throw new CallFailedException("invalid redirect from " + from + " to '" + location + "': only absolute http(s) URLs with a host are followed", false);
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static Map<String, String> withoutCredentials(Map<String, String> headers) {
        Map<String, String> kept = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (!CREDENTIAL_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                kept.put(name, value);
            }
        });
        return kept;
    }

    private static Map<String, String> headers(HttpHeaders headers) {
        Map<String, String> result = new TreeMap<>();
        for (Map.Entry<String, List<String>> header : headers.map().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!name.startsWith(":")) {
                result.merge(name, String.join(", ", header.getValue()), (a, b) -> a + ", " + b);
            }
        }
        return result;
    }

    private static String rootMessage(Throwable failure) {
        String message = rootMessageOrNull(failure);
        return message != null ? message : failure.getClass().getSimpleName();
    }

    private static String rootMessageOrNull(Throwable failure) {
        Throwable t = failure;
        String message = t.getMessage();
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }
}
