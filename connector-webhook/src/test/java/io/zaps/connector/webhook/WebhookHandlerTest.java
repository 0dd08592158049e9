package io.zaps.connector.webhook;

import io.zaps.testkit.TestHttpServer;
import io.zaps.connector.net.GatewayAddresses;
import io.zaps.connector.net.OutboundAddressPolicy;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.zaps.testkit.TestHttpServer.redirect;
import static io.zaps.testkit.TestHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

/** Real HTTP over loopback against a JDK HttpServer; nothing is mocked. */
class WebhookHandlerTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    private TestHttpServer server;
    private final List<URI> connectionsAttempted = new CopyOnWriteArrayList<>();
    private GatewayAddresses gateway = GatewayAddresses.NONE;

    @BeforeEach
    void startServer() throws IOException {
        server = new TestHttpServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void postsJsonWithTheIdempotencyKeyAndReturnsTheResponse() {
        server.route("/hook", exchange -> {
            exchange.getResponseHeaders().add("X-Trace", "a");
            exchange.getResponseHeaders().add("X-Trace", "b");
            respond(exchange, 201, "application/json; charset=utf-8", "{\"ok\": true, \"id\": 7}");
        });
        ObjectNode config = config(server.url("/hook"));
        config.putObject("headers").put("Authorization", "Bearer t0ken").put("User-Agent", "spoofed");
        config.putObject("body").put("customer", "ada").putArray("items").add(1).add(2);

        StepOutcome outcome = handler().handle(request(config));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        JsonNode response = outcome.output().get("response");
        assertThat(response.get("status_code").intValue()).isEqualTo(201);
        assertThat(response.get("body").get("ok").booleanValue()).isTrue();
        assertThat(response.get("body").get("id").intValue()).isEqualTo(7);
        assertThat(response.get("body_truncated").booleanValue()).isFalse();
        assertThat(response.get("headers").get("x-trace").stringValue()).isEqualTo("a, b");
        assertThat(response.get("headers").get("content-type").stringValue()).isEqualTo("application/json; charset=utf-8");

        TestHttpServer.Received call = server.received().get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(Json.mapper().readTree(call.body())).isEqualTo(config.get("body"));
        assertThat(call.header("Content-Type")).isEqualTo("application/json");
        assertThat(call.header("Idempotency-Key")).isEqualTo(Ids.idempotencyKey(RUN, "notify", 1));
        assertThat(call.header("User-Agent")).isEqualTo("zaps/0.1");
        assertThat(call.header("X-Zaps-Run-Id")).isEqualTo(RUN);
        assertThat(call.header("X-Zaps-Step-Id")).isEqualTo("notify");
        assertThat(call.header("Authorization")).isEqualTo("Bearer t0ken");
    }

    @Test
    void usesTheConfiguredMethodAndContentType() {
        server.route("/put", exchange -> respond(exchange, 200, "text/plain", "stored"));
        ObjectNode config = config(server.url("/put")).put("method", "put");
        config.putObject("headers").put("content-type", "application/merge-patch+json");
        config.put("body", "text");

        StepOutcome outcome = handler().handle(request(config));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(outcome.output().get("response").get("body").stringValue()).isEqualTo("stored");
        TestHttpServer.Received call = server.received().get(0);
        assertThat(call.method()).isEqualTo("PUT");
        assertThat(call.header("Content-Type")).isEqualTo("application/merge-patch+json");
        assertThat(call.body()).isEqualTo("\"text\"");
    }

    @Test
    void aServerErrorFailsRetryablyWithTheResponseInTheOutput() {
        server.route("/down", exchange -> respond(exchange, 500, "application/json", "{\"error\": \"database\\n   unavailable\"}"));

        StepOutcome outcome = handler().handle(request(config(server.url("/down"))));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).isEqualTo("HTTP 500 from POST " + server.url("/down") + ": {\"error\": \"database\\n unavailable\"}");
            assertThat(failed.output().get("response").get("status_code").intValue()).isEqualTo(500);
            assertThat(failed.output().get("response").get("body").get("error").stringValue()).isEqualTo("database\n   unavailable");
        });
    }

    @Test
    void notFoundFailsPermanently() {
        server.route("/missing", exchange -> respond(exchange, 404, null, ""));

        StepOutcome outcome = handler().handle(request(config(server.url("/missing")).put("method", "GET")));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).isEqualTo("HTTP 404 from GET " + server.url("/missing"));
            assertThat(failed.output().get("response").get("status_code").intValue()).isEqualTo(404);
            assertThat(failed.output().get("response").get("body").stringValue()).isEmpty();
        });
    }

    @Test
    void classifiesRateLimitsAndRequestTimeoutsAsRetryable() {
        assertThat(WebhookHandler.retryable(429)).isTrue();
        assertThat(WebhookHandler.retryable(408)).isTrue();
        assertThat(WebhookHandler.retryable(503)).isTrue();
        assertThat(WebhookHandler.retryable(400)).isFalse();
        assertThat(WebhookHandler.retryable(401)).isFalse();
        assertThat(WebhookHandler.retryable(409)).isFalse();
    }

    @Test
    void aRateLimitWithRetryAfterSecondsIsRetryableWithTheHint() {
        server.route("/busy", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "7");
            respond(exchange, 429, "text/plain", "slow down");
        });

        StepOutcome outcome = handler().handle(request(config(server.url("/busy"))));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            assertThat(failed.error()).isEqualTo("HTTP 429 from POST " + server.url("/busy") + ": slow down (Retry-After: 7 s)");
            assertThat(failed.output().get("response").get("headers").get("retry-after").stringValue()).isEqualTo("7");
        });
    }

    @Test
    void anUnavailableServersRetryAfterDateIsReadAgainstTheClock() {
        Instant now = Instant.parse("2026-05-04T10:00:00Z");
        server.route("/maintenance", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "Mon, 04 May 2026 10:02:00 GMT");
            respond(exchange, 503, null, "");
        });
        server.route("/broken", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "15");
            respond(exchange, 500, null, "");
        });
        server.route("/bad", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "15");
            respond(exchange, 400, null, "");
        });
        WebhookHandler handler = handler(Clock.fixed(now, ZoneOffset.UTC));

        assertThat(handler.handle(request(config(server.url("/maintenance")), now))).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.retryAfter()).isEqualTo(Duration.ofMinutes(2));
        });
        assertThat(handler.handle(request(config(server.url("/broken")), now))).isInstanceOfSatisfying(StepOutcome.Failed.class,
                failed -> assertThat(failed.retryAfter()).as("any 5xx").isEqualTo(Duration.ofSeconds(15)));
        assertThat(handler.handle(request(config(server.url("/bad")), now))).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.retryAfter()).as("a permanent failure takes no hint").isNull();
        });
    }

    @Test
    void aCallIsCutToTheAttemptsDeadlineWhenThatIsNearerThanItsTimeout() {
        server.route("/slow", exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "text/plain", "late");
        });
        Instant now = Instant.now();
        ExecuteStep request = new ExecuteStep(1, RUN, "wf", "notify", "webhook", 1, Ids.idempotencyKey(RUN, "notify", 1),
                config(server.url("/slow")).put("timeout_seconds", 20), now, now.plusMillis(700));
        long start = System.nanoTime();

        StepOutcome outcome = handler().handle(request);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));
        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).startsWith("timed out after 0.").contains("(the attempt's deadline)");
        });
    }

    @Test
    void aRequestWhoseDeadlineHasPassedIsNotSent() {
        server.route("/hook", exchange -> respond(exchange, 200, null, ""));
        Instant now = Instant.now();
        ExecuteStep request = new ExecuteStep(1, RUN, "wf", "notify", "webhook", 1, Ids.idempotencyKey(RUN, "notify", 1),
                config(server.url("/hook")), now.minusSeconds(40), now.minusSeconds(1));

        StepOutcome outcome = handler().handle(request);

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).startsWith("not attempted");
        });
        assertThat(server.received()).isEmpty();
        assertThat(connectionsAttempted).isEmpty();
    }

    @Test
    void followsRedirectsSwitchingToGetOn303AndKeepingPostOn307() {
        server.route("/start", redirect(307, "/kept"))
                .route("/kept", redirect(303, server.url("/final")))
                .route("/final", exchange -> respond(exchange, 200, "application/json", "{\"done\": 1}"));
        ObjectNode config = config(server.url("/start"));
        config.putObject("body").put("n", 1);

        StepOutcome outcome = handler().handle(request(config));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(outcome.output().get("response").get("body").get("done").intValue()).isEqualTo(1);
        List<TestHttpServer.Received> calls = server.received();
        assertThat(calls).extracting(TestHttpServer.Received::method).containsExactly("POST", "POST", "GET");
        assertThat(calls).extracting(TestHttpServer.Received::path).containsExactly("/start", "/kept", "/final");
        assertThat(calls.get(1).body()).isEqualTo("{\"n\":1}");
        assertThat(calls.get(2).body()).isEmpty();
        assertThat(calls).allSatisfy(call -> assertThat(call.header("Idempotency-Key")).isEqualTo(Ids.idempotencyKey(RUN, "notify", 1)));
    }

    @Test
    void aRedirectLoopFailsPermanentlyNamingIt() {
        server.route("/a", redirect(302, "/b")).route("/b", redirect(302, "/a"));

        StepOutcome outcome = handler().handle(request(config(server.url("/a")).put("method", "GET")));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("redirect loop: " + server.url("/b") + " redirects (302) back to " + server.url("/a"));
        });
        assertThat(server.received()).hasSize(2);
    }

    @Test
    void tooManyRedirectsFailPermanently() {
        server.route("/hop", exchange -> {
            int n = Integer.parseInt(exchange.getRequestURI().getQuery());
            redirect(301, "/hop?" + (n + 1)).handle(exchange);
        });

        StepOutcome outcome = handler().handle(request(config(server.url("/hop?0"))));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).isEqualTo("too many redirects (more than 5) starting at POST " + server.url("/hop?0"));
        });
        assertThat(server.received()).hasSize(6);
    }

    @Test
    void aRefusedConnectionIsRetryable() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/hook";

        StepOutcome outcome = handler().handle(request(config(url)));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).isEqualTo("connection refused: " + url);
        });
    }

    @Test
    void aSlowServerTimesOutRetryably() {
        server.route("/slow", exchange -> {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "text/plain", "late");
        });
        long start = System.nanoTime();

        StepOutcome outcome = handler().handle(request(config(server.url("/slow")).put("timeout_seconds", 1)));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2_500));
        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isTrue();
            assertThat(failed.error()).startsWith("timed out after 1s");
        });
    }

    @Test
    void keepsOnlyTheFirstBytesOfABigResponse() {
        server.route("/big", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write("[".getBytes());
                for (int i = 0; i < 20_000; i++) {
                    body.write("1234567890,".getBytes());
                }
                body.write("0]".getBytes());
            } catch (IOException e) {
                // the client hangs up once it has enough
            }
        });

        StepOutcome outcome = handler(new WebhookProperties(List.of(), false, 1000)).handle(request(config(server.url("/big"))));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        JsonNode response = outcome.output().get("response");
        assertThat(response.get("body_truncated").booleanValue()).isTrue();
        assertThat(response.get("body").isString()).isTrue();
        assertThat(response.get("body").stringValue()).hasSize(1000).startsWith("[1234567890,");
    }

    @Test
    void theMetadataAddressIsDeniedWithoutAConnectionAttempt() {
        server.route("/", exchange -> respond(exchange, 200, null, ""));
        handler().handle(request(config(server.url("/"))));
        assertThat(connectionsAttempted).as("the probe sees connections").hasSize(1);

        StepOutcome outcome = handler().handle(request(config("http://169.254.169.254/latest/meta-data/")));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).isEqualTo("outbound address denied: 169.254.169.254 is link-local or cloud metadata (169.254.0.0/16)");
        });
        assertThat(connectionsAttempted).hasSize(1);
    }

    @Test
    void aRedirectToTheMetadataAddressIsDenied() {
        server.route("/sneaky", redirect(302, "http://169.254.169.254/latest/meta-data/iam"));

        StepOutcome outcome = handler().handle(request(config(server.url("/sneaky"))));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("outbound address denied: 169.254.169.254")
                    .endsWith("(redirect target http://169.254.169.254/latest/meta-data/iam)");
        });
        assertThat(connectionsAttempted).extracting(URI::getHost).containsOnly("127.0.0.1");
    }

    @Test
    void aConfiguredBlockIsDeniedAndTheServerNeverCalled() {
        server.route("/hook", exchange -> respond(exchange, 200, null, ""));

        StepOutcome outcome = handler(new WebhookProperties(List.of("127.0.0.0/8"), false, 1024)).handle(request(config(server.url("/hook"))));

        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).contains("127.0.0.1 is in the denied block 127.0.0.0/8");
        });
        assertThat(server.received()).isEmpty();
        assertThat(connectionsAttempted).isEmpty();
    }

    @Test
    void zapsOwnGatewayIsRefusedWhileOtherLocalPortsAreCalled() throws IOException {
        try (TestHttpServer zapsGateway = new TestHttpServer()) {
            zapsGateway.route("/", exchange -> respond(exchange, 201, "application/json", "{}"));
            String createWorkflow = zapsGateway.url("/api/workflows");
            int port = URI.create(createWorkflow).getPort();
            gateway = GatewayAddresses.parse(List.of("*:" + port), "zaps.connector");
            server.route("/hook", exchange -> respond(exchange, 200, "application/json", "{\"ok\": true}"));
            server.route("/to-gateway", redirect(307, createWorkflow));
            ObjectNode direct = config(createWorkflow);
            direct.putObject("body").put("id", "created_by_a_step");

            for (String url : List.of(createWorkflow, createWorkflow.replace("127.0.0.1", "localhost"), server.url("/to-gateway"))) {
                assertThat(handler().handle(request(url.equals(createWorkflow) ? direct : config(url))))
                        .isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                            assertThat(failed.retryable()).isFalse();
                            assertThat(failed.error()).startsWith("outbound address denied: ").contains(":" + port)
                                    .contains(" is Zaps' own API gateway (*:" + port + " in zaps.connector.gateway-addresses; zaps.connector.allow-gateway-calls=true permits it)");
                        });
            }
            assertThat(zapsGateway.received()).isEmpty();
            assertThat(handler().handle(request(config(server.url("/hook"))))).isInstanceOf(StepOutcome.Succeeded.class);
            assertThat(server.received()).extracting(TestHttpServer.Received::path).containsExactly("/to-gateway", "/hook");
        }
    }

    @Test
    void anInvalidConfigFailsPermanently() {
        ObjectNode noUrl = Json.object().put("method", "POST");
        ObjectNode badScheme = config("ftp://127.0.0.1/file");
        ObjectNode badMethod = config(server.url("/")).put("method", "TRACE");
        ObjectNode restrictedHeader = config(server.url("/"));
        restrictedHeader.putObject("headers").put("Host", "elsewhere");

        for (ObjectNode config : List.of(noUrl, badScheme, badMethod, restrictedHeader)) {
            assertThat(handler().handle(request(config))).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                assertThat(failed.retryable()).isFalse();
                assertThat(failed.error()).startsWith("invalid webhook config: ");
            });
        }
        assertThat(server.received()).isEmpty();
    }

    private WebhookHandler handler() {
        return handler(new WebhookProperties(List.of(), false, 262_144));
    }

    private WebhookHandler handler(Clock clock) {
        return handler(new WebhookProperties(List.of(), false, 262_144), clock);
    }

    private WebhookHandler handler(WebhookProperties properties) {
        return handler(properties, Clock.systemUTC());
    }

    private WebhookHandler handler(WebhookProperties properties, Clock clock) {
        // The proxy selector is asked once per request the client is about to send: a record of
        // every connection attempt, with no proxy in between.
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(new ProxySelector() {
                    @Override
                    public List<Proxy> select(URI uri) {
                        connectionsAttempted.add(uri);
                        return List.of(Proxy.NO_PROXY);
                    }

                    @Override
                    public void connectFailed(URI uri, SocketAddress address, IOException e) {
                    }
                })
                .build();
        OutboundAddressPolicy policy = OutboundAddressPolicy.of(properties.deniedCidrs(), properties.denyPrivateNetworks(), "zaps.webhook")
                .refusingGateway(gateway);
        return new WebhookHandler(new WebhookClient(http, policy, properties.maxResponseBytes()), clock);
    }

    private static ObjectNode config(String url) {
        return Json.object().put("url", url);
    }

    private static ExecuteStep request(ObjectNode config) {
        return request(config, Instant.now());
    }

    private static ExecuteStep request(ObjectNode config, Instant now) {
        return new ExecuteStep(1, RUN, "wf", "notify", "webhook", 1, Ids.idempotencyKey(RUN, "notify", 1), config, now, now.plusSeconds(60));
    }
}
