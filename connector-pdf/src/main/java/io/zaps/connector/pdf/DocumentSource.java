package io.zaps.connector.pdf;

import io.zaps.connector.net.CappedBodySubscriber;
import io.zaps.connector.net.OutboundAddressPolicy;

import io.zaps.store.AttachmentStore;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;

import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Gets a document's bytes: from the attachment store by ref, or by downloading a URL (GET, at most
 * {@code maxBytes}, redirects followed by hand so that every target passes the {@link OutboundAddressPolicy}).
 */
final class DocumentSource {
    static final String USER_AGENT = "zaps/0.1";
    private static final int MAX_REDIRECTS = 5;

    private final AttachmentStore store;
    private final HttpClient client;
    private final OutboundAddressPolicy policy;
    private final int maxBytes;

    DocumentSource(AttachmentStore store, HttpClient client, OutboundAddressPolicy policy, int maxBytes) {
        this.store = store;
        this.client = client;
        this.policy = policy;
        this.maxBytes = maxBytes;
    }

    static HttpClient newHttpClient() {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    }

    byte[] load(PdfConfig config, String idempotencyKey, Instant deadline) throws ExtractionFailedException {
        return config.ref() != null ? fromStore(config.ref()) : download(config.url(), idempotencyKey, deadline);
    }

    private byte[] fromStore(String ref) throws ExtractionFailedException {
        try {
            return store.read(ref, maxBytes);
        } catch (AttachmentStore.AttachmentNotFoundException | AttachmentStore.AttachmentTooLargeException | UnsafeIdException e) {
            throw ExtractionFailedException.permanent(e.getMessage());
        } catch (StoreException e) {
            throw ExtractionFailedException.retryable("cannot read attachment " + ref + ": " + e.getMessage());
        }
    }

    private byte[] download(URI first, String idempotencyKey, Instant deadline) throws ExtractionFailedException {
        URI url = first;
        for (int redirects = 0; ; redirects++) {
            check(url);
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw ExtractionFailedException.retryable("timed out downloading " + shown(url));
            }
            HttpRequest request = HttpRequest.newBuilder(url).GET().timeout(left)
                    .header("User-Agent", USER_AGENT).header("Idempotency-Key", idempotencyKey)
                    .header("Accept", "application/pdf, */*").build();
            HttpResponse<CappedBodySubscriber.Body> response = send(request, url, left);
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                if (redirects >= MAX_REDIRECTS) {
                    throw ExtractionFailedException.permanent("too many redirects downloading " + shown(first));
                }
                try {
                    url = PdfConfig.url(url.resolve(response.headers().firstValue("Location").get()).toString());
                } catch (PdfConfig.InvalidConfigException | IllegalArgumentException e) {
                    throw ExtractionFailedException.permanent("bad redirect from " + shown(url) + ": " + e.getMessage());
                }
                continue;
            }
            if (status < 200 || status >= 300) {
                boolean retryable = status >= 500 || status == 429 || status == 408;
                throw new ExtractionFailedException("HTTP " + status + " downloading " + shown(url), retryable);
            }
            if (response.body().truncated()) {
                throw ExtractionFailedException.permanent("the document at " + shown(url) + " is larger than " + maxBytes + " bytes");
            }
            return response.body().bytes();
        }
    }

    private void check(URI url) throws ExtractionFailedException {
        try {
            policy.check(url);
        } catch (OutboundAddressPolicy.DeniedTargetException e) {
            throw ExtractionFailedException.permanent(e.getMessage());
        } catch (UnknownHostException e) {
            throw ExtractionFailedException.retryable("cannot resolve " + url.getHost());
        }
    }

    private HttpResponse<CappedBodySubscriber.Body> send(HttpRequest request, URI url, Duration left) throws ExtractionFailedException {
        CompletableFuture<HttpResponse<CappedBodySubscriber.Body>> future = client.sendAsync(request, info -> new CappedBodySubscriber(maxBytes));
        try {
            return future.get(left.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw ExtractionFailedException.retryable("timed out downloading " + shown(url));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw ExtractionFailedException.retryable("interrupted downloading " + shown(url));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (causedBy(cause, HttpTimeoutException.class)) {
                throw ExtractionFailedException.retryable("timed out downloading " + shown(url));
            }
            String reason = cause == null || cause.getMessage() == null ? String.valueOf(cause) : cause.getMessage();
            throw ExtractionFailedException.retryable("cannot download " + shown(url) + ": " + reason);
        }
    }

    private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** The URL without its query, which may carry a token. */
    private static String shown(URI url) {
        return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
