package io.zaps.local;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.template.SecretMarkers;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The grep proof of the credential store, on the whole system as {@code ./zaps up} runs it: two secrets are stored
 * through the REST API and used by a real webhook call and a real SMTP login; then neither value may appear in any
 * file of the data folder, any record of any Kafka topic (keys, values, headers, uncommitted ones too), anything
 * logged or printed during the whole test, or any REST answer the test received.
 */
class SecretsEndToEndTest {
    private static final String TOKEN = "hook-token-" + UUID.randomUUID();
    private static final String SMTP_PASSWORD = "smtp-pass-" + UUID.randomUUID();
    private static final Duration AT_MOST = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer receiver;
    static GreenMail mail;
    static String receiverUrl;
    static final HttpClient http = HttpClient.newHttpClient();

    /** Every REST answer (status line, headers, body) the test got. */
    static final List<String> answers = new CopyOnWriteArrayList<>();
    /** Every log event of the whole test, formatted with its stack trace. */
    static final List<String> logs = new CopyOnWriteArrayList<>();
    static final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    static final List<String> authorizations = new CopyOnWriteArrayList<>();
    static final List<String> forged = new CopyOnWriteArrayList<>();

    static PrintStream originalOut;
    static PrintStream originalErr;
    static AppenderBase<ILoggingEvent> appender;
    static Map<String, Level> originalLevels = new HashMap<>();

    @BeforeAll
    static void startEverything() throws IOException {
        captureOutputAndLogs();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        receiver.createContext("/hook", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            forged.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Forged")));
            respond(exchange, ("Bearer " + TOKEN).equals(auth) ? 200 : 401, "{\"ok\": " + ("Bearer " + TOKEN).equals(auth) + "}");
        });
        // A careless server: it fails and quotes the token it was sent, in its body (which the step's error excerpts).
        receiver.createContext("/fail", exchange -> {
            exchange.getRequestBody().readAllBytes();
            respond(exchange, 500, "{\"error\": \"backend down, your " + exchange.getRequestHeaders().getFirst("Authorization")
                    + " was fine\", \"query\": \"" + exchange.getRequestURI().getRawQuery() + "\"}");
        });
        receiver.start();
        receiverUrl = "http://127.0.0.1:" + receiver.getAddress().getPort();
        mail = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.setUser("robot@zaps.test", "robot", SMTP_PASSWORD);
        mail.start();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (zaps != null) {
                zaps.close();
            }
            if (mail != null) {
                mail.stop();
            }
            if (receiver != null) {
                receiver.stop(0);
            }
        } finally {
            restoreOutputAndLogs();
        }
    }

    @Test
    void noSecretValueIsEverWrittenLoggedPublishedOrAnswered() throws Exception {
        // 1. store both secrets through the API
        assertThat(send("PUT", "/api/secrets/hook_token", "{\"value\": \"" + TOKEN + "\"}").statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/api/secrets/smtp_password", "{\"value\": \"" + SMTP_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        assertThat(send("GET", "/api/secrets", null).body()).contains("hook_token", "smtp_password");

        // 2. a workflow whose webhook sends the first in a header and whose email logs in with the second
        assertThat(send("POST", "/api/workflows", """
                {"id": "with_secrets", "name": "With secrets", "entry_point": "notify",
                 "steps": [
                   {"id": "notify", "type": "webhook",
                    "config": {"url": "%s/hook", "method": "POST",
                               "headers": {"Authorization": "Bearer {{ secret('hook_token') }}", "X-Forged": "{{ evil }}"},
                               "body": {"customer": "{{ customer }}"}},
                    "next_step_id": "mail"},
                   {"id": "mail", "type": "email",
                    "config": {"host": "127.0.0.1", "port": %d, "tls": "none",
                               "username": "robot", "password": "{{ secret('smtp_password') }}",
                               "from": "robot@zaps.test", "to": "ada@example.com",
                               "subject": "Hello {{ customer }}", "text": "ok: {{ steps.notify.output.response.body.ok }}"}}
                 ]}""".formatted(receiverUrl, mail.getSmtp().getPort())).statusCode()).isEqualTo(201);
        // a literal password is refused, and the refusal does not repeat it
        HttpResponse<String> literal = send("POST", "/api/workflows", """
                {"id": "literal_password", "name": "x", "entry_point": "mail",
                 "steps": [{"id": "mail", "type": "email", "config": {"host": "h", "username": "robot", "password": "hunter2-literal",
                            "from": "a@b.c", "to": "d@e.f", "subject": "s", "text": "t"}}]}""");
        assertThat(literal.statusCode()).isEqualTo(400);
        assertThat(literal.body()).contains("steps[0].config.password").contains("PUT /api/secrets/").doesNotContain("hunter2-literal");

        // a context that carries the marker of a real secret must not make the connector resolve it
        String forgedMarker = SecretMarkers.marker("hook_token");
        String ok = runId(send("POST", "/api/workflows/with_secrets/trigger",
                Json.object().set("context", Json.object().put("customer", "Ada").put("evil", forgedMarker)).toString()));
        JsonNode completed = awaitFinal(ok);
        assertThat(completed.get("status").stringValue()).as(completed.toString()).isEqualTo("completed");
        assertThat(authorizations).as("the receiver got the stored token").containsExactly("Bearer " + TOKEN);
        assertThat(forged).singleElement().satisfies(value -> assertThat(value).isEqualTo("secret('hook_token')"));
        assertThat(completed.at("/steps/notify/output/response/body/ok").booleanValue()).isTrue();
        await().atMost(AT_MOST).until(() -> mail.getReceivedMessages().length >= 1);
        MimeMessage message = mail.getReceivedMessages()[0];
        assertThat(message.getSubject()).as("logged in to SMTP with the stored password").isEqualTo("Hello Ada");

        // 3. a run whose webhook fails with an error that would quote the token if it were not masked
        assertThat(send("POST", "/api/workflows", """
                {"id": "failing_with_secret", "name": "Failing", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook",
                            "config": {"url": "%s/fail?token={{ secret('hook_token') }}",
                                       "headers": {"Authorization": "Bearer {{ secret('hook_token') }}"}, "body": {}}}]}"""
                .formatted(receiverUrl)).statusCode()).isEqualTo(201);
        String bad = runId(send("POST", "/api/workflows/failing_with_secret/trigger", "{\"context\": {}}"));
        JsonNode failed = awaitFinal(bad);
        assertThat(failed.get("status").stringValue()).isEqualTo("failed");
        String error = failed.at("/steps/call/error").stringValue();
        assertThat(error).contains("HTTP 500").contains("token=********").contains("your Bearer ******** was fine");

        // every REST read a user would do
        send("GET", "/api/runs/" + ok, null);
        send("GET", "/api/runs/" + bad, null);
        send("GET", "/api/workflows/with_secrets", null);
        send("GET", "/api/workflows/with_secrets/runs", null);
        send("GET", "/api/workflows/failing_with_secret/runs", null);
        send("GET", "/api/workflows", null);
        send("GET", "/api/secrets", null);
        send("GET", "/api/secrets/hook_token", null);

        // 4. the grep
        List<String> secrets = List.of(TOKEN, SMTP_PASSWORD);
        assertDataFolderClean(secrets);
        assertKafkaClean(secrets);
        assertThat(answers).isNotEmpty().allSatisfy(answer -> assertNoneIn(answer, secrets, "REST answer"));
        assertThat(logs).as("something was logged").isNotEmpty();
        for (String line : logs) {
            assertNoneIn(line, secrets, "log");
        }
        String out;
        synchronized (printed) {
            out = printed.toString(StandardCharsets.UTF_8);
        }
        assertThat(out).as("something was printed").isNotEmpty();
        assertNoneIn(out, secrets, "stdout/stderr");
    }

    // ------------------------------------------------------------------ the grep

    /** The value as written, URL-encoded and base64-encoded. */
    private static List<String> forms(String secret) {
        return List.of(secret, URLEncoder.encode(secret, StandardCharsets.UTF_8),
                Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertNoneIn(String text, List<String> secrets, String where) {
        for (String secret : secrets) {
            for (String form : forms(secret)) {
                assertThat(text).as(where + " must not contain a secret").doesNotContain(form);
            }
        }
    }

    private static void assertNoneIn(byte[] bytes, List<String> secrets, String where) {
        if (bytes != null) {
            for (String secret : secrets) {
                for (String form : forms(secret)) {
                    assertThat(indexOf(bytes, form.getBytes(StandardCharsets.UTF_8))).as(where + " must not contain " + form).isEqualTo(-1);
                }
            }
        }
    }

    private static void assertDataFolderClean(List<String> secrets) throws IOException {
        Path secretsDir = dataDir.resolve("secrets");
        assertThat(secretsDir.resolve("hook_token.json")).as("the secrets are in the data folder, encrypted").isRegularFile();
        assertThat(secretsDir.resolve("smtp_password.json")).isRegularFile();
        int files = 0;
        try (Stream<Path> walk = Files.walk(dataDir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (NoSuchFileException e) {
                    continue; // a segment or state file rolled away while walking
                }
                assertNoneIn(bytes, secrets, "file " + dataDir.relativize(file));
                files++;
            }
        }
        assertThat(files).as("files read (stores, runs, workflows, broker log, executor state)").isGreaterThan(20);
    }

    private static void assertKafkaClean(List<String> secrets) throws Exception {
        Set<String> topics;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers()))) {
            topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        }
        assertThat(topics).contains(Topics.RUN_EVENTS, Topics.RUN_COMMANDS, Topics.stepRequests("webhook"), Topics.stepRequests("email"));
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted", // aborted transactions' records too
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        int records = 0;
        boolean sawMarker = false;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, p.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Instant deadline = Instant.now().plus(AT_MOST);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(Instant.now()).as("read every topic to its end").isBefore(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    String where = record.topic() + "-" + record.partition() + "@" + record.offset();
                    assertNoneIn(record.key(), secrets, "key of " + where);
                    assertNoneIn(record.value(), secrets, "value of " + where);
                    for (Header header : record.headers()) {
                        assertNoneIn(header.key().getBytes(StandardCharsets.UTF_8), secrets, "header key of " + where);
                        assertNoneIn(header.value(), secrets, "header " + header.key() + " of " + where);
                    }
                    sawMarker |= record.topic().equals(Topics.stepRequests("webhook")) && record.value() != null
                            && SecretMarkers.hasMarker(new String(record.value(), StandardCharsets.UTF_8));
                    records++;
                }
            }
        }
        assertThat(records).isGreaterThan(10);
        assertThat(sawMarker).as("the step requests carried references, not values").isTrue();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ------------------------------------------------------------------ capture

    private static void captureOutputAndLogs() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                logs.add(event.getLevel() + " " + event.getLoggerName() + " " + event.getFormattedMessage()
                        + (event.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy())));
            }
        };
        appender.setContext(context);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        // Louder than usual, so that a value passing through Zaps or Spring MVC would show.
        for (String name : List.of("io.zaps", "org.springframework.web")) {
            ch.qos.logback.classic.Logger logger = context.getLogger(name);
            originalLevels.put(name, logger.getLevel());
            logger.setLevel(Level.DEBUG);
        }
    }

    private static void restoreOutputAndLogs() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        originalLevels.forEach((name, level) -> context.getLogger(name).setLevel(level));
        if (appender != null) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            appender.stop();
        }
        if (originalOut != null) {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    /** Writes through to the real stream and keeps a copy. */
    private static final class Tee extends OutputStream {
        private final OutputStream original;

        Tee(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) throws IOException {
            original.write(b);
            synchronized (printed) {
                printed.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            original.write(b, off, len);
            synchronized (printed) {
                printed.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            original.flush();
        }
    }

    // ------------------------------------------------------------------ HTTP

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** One call to the gateway; its answer is kept for the grep. */
    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        answers.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
        return response;
    }

    private static String runId(HttpResponse<String> accepted) {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> response = send("GET", "/api/runs/" + runId, null);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            String status = last[0].get("status").stringValue();
            return status.equals("completed") || status.equals("failed");
        });
        return last[0];
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
