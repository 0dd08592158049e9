package io.zaps.local;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole system as {@code ./zaps up} runs it (embedded KRaft broker, all five services in one
 * JVM), driven only through its public surfaces: the REST API and the Kafka topics. Real HTTP
 * subscriber, real SMTP server (GreenMail).
 */
class EndToEndTest {
    record Received(String path, String body, String idempotencyKey) {}

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static HttpServer subscriber;
    static GreenMail mail;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();
    static String hooks;

    @BeforeAll
    static void startEverything() throws IOException {
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(exchange.getRequestURI().getPath(), body, exchange.getRequestHeaders().getFirst("Idempotency-Key")));
            int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 500 : 200;
            byte[] answer = (status == 200 ? "{\"accepted\":true}" : "{\"error\":\"subscriber broke\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        subscriber.start();
        hooks = "http://127.0.0.1:" + subscriber.getAddress().getPort();
        mail = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of()));
    }

    @AfterAll
    static void stopEverything() {
        if (zaps != null) {
            zaps.close();
        }
        if (mail != null) {
            mail.stop();
        }
        if (subscriber != null) {
            subscriber.stop(0);
        }
    }

    @Test
    void invoiceReminderRunsDelayThenWebhookThenEmail() throws Exception {
        String workflow = """
                {"id": "invoice_reminder", "name": "Invoice Reminder Workflow", "entry_point": "delay_step",
                 "steps": [
                   {"id": "delay_step", "type": "delay", "config": {"seconds": 1}, "next_step_id": "send_reminder"},
                   {"id": "send_reminder", "type": "webhook",
                    "config": {"url": "%s/notify", "method": "POST", "headers": {"X-Invoice": "{{ invoice_id }}"},
                               "body": {"to": "{{customer_email}}", "invoice_id": "{{ invoice_id }}", "amount": "{{ amount }}"}},
                    "next_step_id": "email_customer"},
                   {"id": "email_customer", "type": "email",
                    "config": {"host": "127.0.0.1", "port": %d, "tls": "none", "from": "billing@zaps.test",
                               "to": "{{ customer_email }}", "subject": "Invoice {{ invoice_id }} is due",
                               "text": "Dear {{ customer_name }}, {{ amount }} is due on {{ due_date }}. Ack: {{ steps.send_reminder.output.response.body.accepted }}"}}
                 ]}
                """.formatted(hooks, mail.getSmtp().getPort());
        assertThat(post("/api/workflows", workflow).statusCode()).isEqualTo(201);

        HttpResponse<String> accepted = post("/api/workflows/invoice_reminder/trigger", """
                {"context": {"customer_email": "john@example.com", "invoice_id": "INV-2023-001", "amount": "$150.00",
                             "due_date": "2023-07-15", "customer_name": "John Doe"}}""");
        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode snapshot = Json.mapper().readTree(accepted.body());
        String runId = snapshot.get("run_id").stringValue();
        assertThat(Ids.isRunId(runId)).isTrue();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/api/runs/" + runId);

        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(run.get("workflow_version").intValue()).isEqualTo(1);
        JsonNode delay = run.get("steps").get("delay_step");
        assertThat(Duration.between(Instant.parse(delay.get("start_time").stringValue()), Instant.parse(delay.get("end_time").stringValue())))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(run.get("steps").get("send_reminder").get("output").get("response").get("status_code").intValue()).isEqualTo(200);
        assertThat(run.get("steps").get("email_customer").get("status").stringValue()).isEqualTo("completed");

        Received notify = received.stream().filter(r -> r.path().equals("/notify")).findFirst().orElseThrow();
        JsonNode body = Json.mapper().readTree(notify.body());
        assertThat(body.get("to").stringValue()).isEqualTo("john@example.com");
        assertThat(body.get("invoice_id").stringValue()).isEqualTo("INV-2023-001");
        assertThat(body.get("amount").stringValue()).isEqualTo("$150.00");
        assertThat(notify.idempotencyKey()).isEqualTo(Ids.idempotencyKey(runId, "send_reminder", 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> mail.getReceivedMessages().length >= 1);
        MimeMessage message = mail.getReceivedMessages()[0];
        assertThat(message.getSubject()).isEqualTo("Invoice INV-2023-001 is due");
        assertThat(message.getAllRecipients()[0].toString()).isEqualTo("john@example.com");
        assertThat(String.valueOf(message.getContent())).contains("Dear John Doe, $150.00 is due on 2023-07-15. Ack: true");

        HttpResponse<String> runs = get("/api/workflows/invoice_reminder/runs");
        assertThat(runs.statusCode()).isEqualTo(200);
        assertThat(runs.body()).contains(runId);
    }

    @Test
    void webhookAnswering500FailsTheRunWithTheReason() throws Exception {
        assertThat(post("/api/workflows", oneWebhookWorkflow("failing_hook", hooks + "/fail")).statusCode()).isEqualTo(201);
        HttpResponse<String> accepted = post("/api/workflows/failing_hook/trigger", "{\"context\": {\"n\": 1}}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String runId = Json.mapper().readTree(accepted.body()).get("run_id").stringValue();

        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).isEqualTo("failed");
        assertThat(run.get("error").stringValue()).contains("call").contains("500");
        JsonNode step = run.get("steps").get("call");
        assertThat(step.get("status").stringValue()).isEqualTo("failed");
        assertThat(step.get("error").stringValue()).contains("500");
        assertThat(step.get("output").get("response").get("status_code").intValue()).isEqualTo(500);
    }

    @Test
    void anEventProducedStraightOntoTheTriggersTopicStartsExactlyOneRun() throws Exception {
        assertThat(post("/api/workflows", oneWebhookWorkflow("from_kafka", hooks + "/from-kafka/{{ order_id }}")).statusCode()).isEqualTo(201);
        byte[] event = "{\"workflow_id\": \"from_kafka\", \"event_id\": \"order-42\", \"context\": {\"order_id\": \"42\"}}".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, "order-42", event)).get();
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, "order-42", event)).get(); // a re-delivery
        }
        String runId = Ids.runIdForEvent("order-42");
        JsonNode run = awaitFinal(runId);
        assertThat(run.get("status").stringValue()).isEqualTo("completed");
        assertThat(run.get("workflow_id").stringValue()).isEqualTo("from_kafka");

        // The duplicate must not have started a second run: one call reached the subscriber, one run is listed.
        Thread.sleep(1500);
        assertThat(received.stream().filter(r -> r.path().equals("/from-kafka/42")).count()).isEqualTo(1);
        JsonNode runs = Json.mapper().readTree(get("/api/workflows/from_kafka/runs").body());
        assertThat(runs.size()).isEqualTo(1);
    }

    @Test
    void aMalformedTriggerRecordIsDeadLetteredAndTheNextOneStillRuns() throws Exception {
        assertThat(post("/api/workflows", oneWebhookWorkflow("after_poison", hooks + "/after-poison")).statusCode()).isEqualTo(201);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, "poison", "{this is not json".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(Topics.TRIGGERS, "good", "{\"workflow_id\": \"after_poison\", \"event_id\": \"after-poison-1\"}".getBytes(StandardCharsets.UTF_8))).get();
        }
        assertThat(awaitFinal(Ids.runIdForEvent("after-poison-1")).get("status").stringValue()).isEqualTo("completed");

        List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(Topics.deadLetter(Topics.TRIGGERS)));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.stream().anyMatch(r -> "poison".equals(r.key()));
            });
        }
        ConsumerRecord<String, byte[]> poison = dead.stream().filter(r -> "poison".equals(r.key())).findFirst().orElseThrow();
        assertThat(new String(poison.value(), StandardCharsets.UTF_8)).isEqualTo("{this is not json");
        assertThat(new String(poison.headers().lastHeader(Topics.HEADER_DLT_REASON).value(), StandardCharsets.UTF_8)).isNotBlank();
        assertThat(new String(poison.headers().lastHeader(Topics.HEADER_DLT_SOURCE_TOPIC).value(), StandardCharsets.UTF_8)).isEqualTo(Topics.TRIGGERS);
    }

    @Test
    void invalidDefinitionsAreRefusedWithProblemDetailsAndNothingIsWritten() throws Exception {
        HttpResponse<String> response = post("/api/workflows", """
                {"id": "../../escape", "name": "x", "entry_point": "a", "steps": [{"id": "a", "type": "delay", "config": {"seconds": 1}}]}""");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"id\"");
        assertThat(dataDir.resolve("escape.json")).doesNotExist();
        assertThat(dataDir.getParent().resolve("escape.json")).doesNotExist();
        assertThat(get("/health").body()).contains("ok");
    }

    @Test
    void aRunCancelledMidDelayNeverCallsItsWebhook() throws Exception {
        assertThat(post("/api/workflows", delayThenWebhook("cancel_me", 3, hooks + "/cancelled-hook")).statusCode()).isEqualTo(201);
        String runId = Json.mapper().readTree(post("/api/workflows/cancel_me/trigger", "{}").body()).get("run_id").stringValue();
        awaitStepRunning(runId, "wait");

        assertThat(post("/api/runs/" + runId + "/cancel", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> "cancelled".equals(status(runId)));
        assertThat(post("/api/runs/" + runId + "/cancel", "").statusCode()).isEqualTo(409);

        Thread.sleep(4000); // past the delay's due time: the timer fires into a cancelled run and is ignored
        assertThat(status(runId)).isEqualTo("cancelled");
        assertThat(received).noneMatch(r -> r.path().equals("/cancelled-hook"));
    }

    @Test
    void aPausedRunHoldsItsNextStepUntilResumed() throws Exception {
        assertThat(post("/api/workflows", delayThenWebhook("pause_me", 1, hooks + "/paused-hook")).statusCode()).isEqualTo(201);
        String runId = Json.mapper().readTree(post("/api/workflows/pause_me/trigger", "{}").body()).get("run_id").stringValue();
        awaitStepRunning(runId, "wait");

        assertThat(post("/api/runs/" + runId + "/pause", "").statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).until(() -> "paused".equals(status(runId)));
        Thread.sleep(2500); // the delay falls due while paused: nothing starts
        assertThat(status(runId)).isEqualTo("paused");
        assertThat(received).noneMatch(r -> r.path().equals("/paused-hook"));

        assertThat(post("/api/runs/" + runId + "/resume", "").statusCode()).isEqualTo(202);
        assertThat(awaitFinal(runId).get("status").stringValue()).isEqualTo("completed");
        assertThat(received).filteredOn(r -> r.path().equals("/paused-hook")).hasSize(1);
    }

    // ------------------------------------------------------------------ helpers

    static String delayThenWebhook(String id, int seconds, String url) {
        return """
                {"id": "%s", "name": "%s", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": %d}, "next_step_id": "call"},
                           {"id": "call", "type": "webhook", "config": {"url": "%s", "body": {"ok": true}}}]}
                """.formatted(id, id, seconds, url);
    }

    static String status(String runId) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/runs/" + runId);
        return response.statusCode() == 200 ? Json.mapper().readTree(response.body()).get("status").stringValue() : null;
    }

    static void awaitStepRunning(String runId, String stepId) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            JsonNode run = Json.mapper().readTree(get("/api/runs/" + runId).body());
            return "running".equals(run.get("steps").get(stepId).get("status").stringValue());
        });
    }

    static String oneWebhookWorkflow(String id, String url) {
        return """
                {"id": "%s", "name": "%s", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s", "body": {"ok": true}}}]}
                """.formatted(id, id, url);
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = get("/api/runs/" + runId);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            String status = last[0].get("status").stringValue();
            return status.equals("completed") || status.equals("failed");
        });
        return last[0];
    }

    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static KafkaProducer<String, byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<String, byte[]> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
