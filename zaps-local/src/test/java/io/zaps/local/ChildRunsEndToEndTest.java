package io.zaps.local;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Json;
import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14's proofs of the steps that run child runs, over every service and a real broker: an email with
 * three PDF invoices is looped over ({@code for_each}: extract → {@code switch} on the amount → approvals
 * webhook or confirmation email → {@code transform}), then one report mail lists all three; a
 * {@code parallel} step calls two servers, one failing once and retried; a {@code call_workflow} waits for
 * the workflow it called.
 */
class ChildRunsEndToEndTest {
    private static final String IMAP_PASSWORD = "imap-" + java.util.UUID.randomUUID();
    private static final String SMTP_PASSWORD = "smtp-" + java.util.UUID.randomUUID();
    private static final Duration AT_MOST = Duration.ofSeconds(60);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static GreenMail mail;
    static HttpServer server;
    static String serverUrl;
    static final List<String> received = new CopyOnWriteArrayList<>();
    static final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(path + " " + body);
            int call = calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            int status = path.equals("/flaky") && call == 1 ? 503 : 200;
            byte[] answer = ("{\"path\": \"" + path + "\", \"call\": " + call + "}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        serverUrl = "http://127.0.0.1:" + server.getAddress().getPort();
        mail = new GreenMail(new ServerSetup[]{
                new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_IMAP)});
        mail.start();
        mail.setUser("invoices@zaps.test", "invoices", IMAP_PASSWORD);
        mail.setUser("robot@zaps.test", "robot", SMTP_PASSWORD);
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
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void anEmailWithThreeInvoicesIsLoopedOverRoutedByAmountAndReported() throws Exception {
        assertThat(send("PUT", "/api/secrets/imap", "{\"value\": \"" + IMAP_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        assertThat(send("PUT", "/api/secrets/smtp", "{\"value\": \"" + SMTP_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        String smtp = """
                "host": "127.0.0.1", "port": %d, "tls": "none", "username": "robot", "password": "{{ secret('smtp') }}",
                "from": "robot@zaps.test", "to": "{{ from }}\"""".formatted(mail.getSmtp().getPort());
        HttpResponse<String> created = send("POST", "/api/workflows", """
                {"id": "invoice_batch", "name": "Invoice batch", "entry_point": "each",
                 "trigger": {"type": "email", "host": "127.0.0.1", "port": %d, "tls": "none", "username": "invoices",
                             "password": "{{ secret('imap') }}", "subject_filter": "invoices", "poll_seconds": 1},
                 "steps": [
                   {"id": "each", "type": "for_each", "config": {"items": "{{ attachments }}", "body": "extract", "concurrency": 2},
                    "next_step_id": "report"},
                   {"id": "extract", "type": "pdf_extract", "next_step_id": "route",
                    "config": {"ref": "{{ item.ref }}",
                               "rules": [{"name": "invoice_number", "regex": "Invoice number:\\\\s*(?<value>INV-[0-9-]+)"},
                                         {"name": "amount", "regex": "Amount due:\\\\s*EUR\\\\s*(?<value>[0-9]+\\\\.[0-9]{2})"}]}},
                   {"id": "route", "type": "switch", "config": {
                      "cases": [{"when": "{{ steps.extract.output.fields.amount | number > 1000 }}", "next_step_id": "approve"}],
                      "default_next_step_id": "confirm"}},
                   {"id": "approve", "type": "webhook", "next_step_id": "note",
                    "config": {"url": "%s/approvals", "body": {"invoice": "{{ steps.extract.output.fields.invoice_number }}"}}},
                   {"id": "confirm", "type": "email", "next_step_id": "note",
                    "config": {%s, "subject": "Paid {{ steps.extract.output.fields.invoice_number }}", "text": "Paid, thank you."}},
                   {"id": "note", "type": "transform", "config": {"output": {
                      "invoice": "{{ steps.extract.output.fields.invoice_number }}", "amount": "{{ steps.extract.output.fields.amount }}",
                      "path": "{{ steps.route.output.next_step_id }}", "file": "{{ item.filename }}", "index": "{{ index }}"}}},
                   {"id": "report", "type": "email",
                    "config": {%s, "subject": "{{ steps.each.output.count }} invoices",
                               "text": "{%% for r in steps.each.output.results %%}{{ r.invoice }} {{ r.amount }} {{ r.path }}; {%% endfor %%}"}}
                 ]}
                """.formatted(mail.getImap().getPort(), serverUrl, smtp, smtp));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        await().atMost(AT_MOST).until(() -> TriggerCursorRecords.hasCursor(zaps.bootstrapServers(), "invoice_batch"));

        sendInvoices(List.of(invoice("INV-1", "1234.50"), invoice("INV-2", "99.00"), invoice("INV-3", "5000.00")));

        JsonNode run = awaitFinal(onlyRunOf("invoice_batch"));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        JsonNode results = run.at("/steps/each/output/results");
        assertThat(results).hasSize(3);
        assertThat(results.get(0)).isEqualTo(Json.mapper().readTree(
                "{\"invoice\": \"INV-1\", \"amount\": \"1234.50\", \"path\": \"approve\", \"file\": \"INV-1.pdf\", \"index\": 0}"));
        assertThat(results).extracting(r -> r.get("path").stringValue()).containsExactly("approve", "confirm", "approve");
        assertThat(received).filteredOn(r -> r.startsWith("/approvals")).hasSize(2)
                .anySatisfy(r -> assertThat(r).contains("INV-1")).anySatisfy(r -> assertThat(r).contains("INV-3"));
        MimeMessage report = await().atMost(AT_MOST).until(() -> Arrays.stream(mail.getReceivedMessages())
                .filter(m -> subjectOf(m).equals("3 invoices")).toList(), l -> !l.isEmpty()).get(0);
        assertThat(GreenMailUtil.getBody(report).strip())
                .isEqualTo("INV-1 1234.50 approve; INV-2 99.00 confirm; INV-3 5000.00 approve;");
        assertThat(Arrays.stream(mail.getReceivedMessages()).map(ChildRunsEndToEndTest::subjectOf)).contains("Paid INV-2");
        // Each iteration is a run of its own, naming its parent.
        JsonNode runs = Json.mapper().readTree(send("GET", "/api/workflows/invoice_batch/runs", null).body());
        assertThat(runs).hasSize(4); // the email's run and one per attachment, nothing else
        String parentId = run.get("run_id").stringValue();
        assertThat(runs).filteredOn(r -> r.has("parent")).hasSize(3)
                .allSatisfy(child -> {
                    assertThat(child.at("/parent/run_id").stringValue()).isEqualTo(parentId);
                    assertThat(child.at("/parent/step_id").stringValue()).isEqualTo("each");
                    assertThat(child.get("status").stringValue()).isEqualTo("completed");
                })
                .extracting(child -> child.at("/parent/index").intValue()).containsExactlyInAnyOrder(0, 1, 2);
    }

    @Test
    void parallelBranchesRunTogetherAFlakyOneIsRetriedAndTheRunGoesOn() throws Exception {
        assertThat(send("POST", "/api/workflows", """
                {"id": "fan_out", "name": "Fan out", "entry_point": "both",
                 "steps": [
                   {"id": "both", "type": "parallel", "config": {"branches": ["steady", "flaky"]}, "next_step_id": "join"},
                   {"id": "steady", "type": "webhook", "config": {"url": "%s/steady"}},
                   {"id": "flaky", "type": "webhook", "config": {"url": "%s/flaky"},
                    "retry": {"max_attempts": 3, "initial_interval": 1, "jitter": 0}},
                   {"id": "join", "type": "transform", "config": {"output": {
                      "steady": "{{ steps.both.output.branches.steady.response.body.call }}",
                      "flaky": "{{ steps.both.output.branches.flaky.response.body.call }}"}}}
                 ]}""".formatted(serverUrl, serverUrl)).statusCode()).isEqualTo(201);
        JsonNode run = awaitFinal(trigger("fan_out", "{}"));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(run.at("/steps/join/output")).isEqualTo(Json.mapper().readTree("{\"steady\": 1, \"flaky\": 2}"));
    }

    @Test
    void callWorkflowWaitsForTheWorkflowItCalled() throws Exception {
        assertThat(send("POST", "/api/workflows", """
                {"id": "callee", "name": "Callee", "entry_point": "hook",
                 "steps": [{"id": "hook", "type": "webhook", "config": {"url": "%s/callee", "body": {"n": "{{ n }}"}}}]}"""
                .formatted(serverUrl)).statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/workflows", """
                {"id": "caller", "name": "Caller", "entry_point": "call",
                 "steps": [{"id": "call", "type": "call_workflow", "config": {"workflow_id": "callee", "context": {"n": "{{ n }}"}},
                            "next_step_id": "done"},
                           {"id": "done", "type": "transform", "config": {"output": {"status": "{{ steps.call.output.status }}",
                              "path": "{{ steps.call.output.output.response.body.path }}"}}}]}""").statusCode()).isEqualTo(201);
        JsonNode run = awaitFinal(trigger("caller", "{\"n\": 42}"));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(run.at("/steps/done/output")).isEqualTo(Json.mapper().readTree("{\"status\": \"completed\", \"path\": \"/callee\"}"));
        String childId = run.at("/steps/call/output/run_id").stringValue();
        JsonNode child = awaitFinal(childId);
        assertThat(child.at("/parent/run_id").stringValue()).isEqualTo(run.get("run_id").stringValue());
        assertThat(received).contains("/callee {\"n\":42}");
    }

    // ------------------------------------------------------------------ helpers

    record Invoice(String filename, byte[] pdf) {}

    static Invoice invoice(String number, String amount) throws IOException {
        return new Invoice(number + ".pdf", EmailPdfEndToEndTest.invoicePdf("ACME - INVOICE", "Invoice number: " + number,
                "Amount due: EUR " + amount));
    }

    static void sendInvoices(List<Invoice> invoices) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", Integer.toString(mail.getSmtp().getPort()));
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress("billing@acme.example"));
        message.setRecipients(Message.RecipientType.TO, "invoices@zaps.test");
        message.setSubject("Your invoices");
        MimeMultipart mixed = new MimeMultipart("mixed");
        MimeBodyPart body = new MimeBodyPart();
        body.setText("Three invoices attached.", "UTF-8");
        mixed.addBodyPart(body);
        for (Invoice invoice : invoices) {
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(invoice.pdf(), "application/pdf")));
            attachment.setFileName(invoice.filename());
            attachment.setDisposition(MimeBodyPart.ATTACHMENT);
            mixed.addBodyPart(attachment);
        }
        message.setContent(mixed);
        Transport.send(message);
    }

    static String onlyRunOf(String workflowId) {
        String[] id = new String[1];
        await().atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode runs = Json.mapper().readTree(send("GET", "/api/workflows/" + workflowId + "/runs", null).body());
            for (JsonNode run : runs) {
                if (run.path("parent").isMissingNode() || run.path("parent").isNull()) {
                    id[0] = run.get("run_id").stringValue();
                    return true;
                }
            }
            return false;
        });
        return id[0];
    }

    static String trigger(String workflowId, String context) throws Exception {
        HttpResponse<String> response = send("POST", "/api/workflows/" + workflowId + "/trigger", "{\"context\": " + context + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return Json.mapper().readTree(response.body()).get("run_id").stringValue();
    }

    static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(AT_MOST).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = send("GET", "/api/runs/" + runId, null);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            return last[0].get("status").stringValue().matches("completed|failed|cancelled");
        });
        return last[0];
    }

    static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String subjectOf(MimeMessage message) {
        try {
            return String.valueOf(message.getSubject());
        } catch (jakarta.mail.MessagingException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
