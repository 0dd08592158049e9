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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proof of issue 4, for real: every service as {@code ./zaps up} runs them (embedded KRaft broker, one JVM),
 * GreenMail as the SMTP and IMAP server, a local HTTP server as the webhook subscriber. An email with a PDF invoice
 * (made with PDFBox) arrives in a watched mailbox; the workflow extracts the invoice number, amount and due date from
 * the attachment (rules, checked by a JSON Schema), mails a summary back and posts the fields to a webhook. Both mail
 * passwords live only in the credential store, stored through {@code PUT /api/secrets/{name}}.
 */
class EmailPdfEndToEndTest {
    record Received(String path, String body) {}

    private static final String IMAP_PASSWORD = "imap-" + UUID.randomUUID();
    private static final String SMTP_PASSWORD = "smtp-" + UUID.randomUUID();
    private static final Duration AT_MOST = Duration.ofSeconds(90);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static GreenMail mail;
    static HttpServer subscriber;
    static String subscriberUrl;
    static final List<Received> received = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        subscriber = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        subscriber.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestURI().getPath(), new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            byte[] answer = "{\"booked\": true}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        subscriber.start();
        subscriberUrl = "http://127.0.0.1:" + subscriber.getAddress().getPort();
        mail = new GreenMail(new ServerSetup[]{
                new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_IMAP)});
        mail.start();
        mail.setUser("invoices@zaps.test", "invoices", IMAP_PASSWORD); // the watched mailbox
        mail.setUser("robot@zaps.test", "robot", SMTP_PASSWORD);       // Zaps' own account for sending
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
    void anInvoiceEmailWithAPdfIsExtractedMailedBackAndPostedOnce() throws Exception {
        assertThat(put("/api/secrets/imap", "{\"value\": \"" + IMAP_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        assertThat(put("/api/secrets/smtp", "{\"value\": \"" + SMTP_PASSWORD + "\"}").statusCode()).isEqualTo(201);
        HttpResponse<String> created = post("/api/workflows", """
                {"id": "invoice_inbox", "name": "Invoice inbox", "entry_point": "extract",
                 "trigger": {"type": "email", "host": "127.0.0.1", "port": %d, "tls": "none",
                             "username": "invoices", "password": "{{ secret('imap') }}",
                             "subject_filter": "invoice", "poll_seconds": 1},
                 "steps": [
                   {"id": "extract", "type": "pdf_extract", "next_step_id": "summary",
                    "config": {"ref": "{{ attachments[0].ref }}",
                               "rules": [{"name": "invoice_number", "regex": "Invoice number:\\\\s*(?<value>INV-[0-9-]+)"},
                                         {"name": "amount", "regex": "Amount due:\\\\s*EUR\\\\s*(?<value>[0-9]+\\\\.[0-9]{2})"},
                                         {"name": "due_date", "regex": "Due date:\\\\s*(?<value>[0-9]{4}-[0-9]{2}-[0-9]{2})"}],
                               "schema": {"type": "object", "required": ["invoice_number", "amount", "due_date"],
                                          "properties": {"invoice_number": {"type": "string", "pattern": "^INV-"},
                                                         "amount": {"type": "string", "pattern": "^[0-9]+[.][0-9]{2}$"},
                                                         "due_date": {"type": "string", "format": "date"}}}}},
                   {"id": "summary", "type": "email", "next_step_id": "book",
                    "config": {"host": "127.0.0.1", "port": %d, "tls": "none",
                               "username": "robot", "password": "{{ secret('smtp') }}",
                               "from": "robot@zaps.test", "to": "{{ from }}",
                               "subject": "Received {{ steps.extract.output.fields.invoice_number }}",
                               "text": "Thank you. Invoice {{ steps.extract.output.fields.invoice_number }} ({{ attachments[0].filename }}) over EUR {{ steps.extract.output.fields.amount }} will be paid by {{ steps.extract.output.fields.due_date }}."}},
                   {"id": "book", "type": "webhook",
                    "config": {"url": "%s/invoices",
                               "body": {"invoice_number": "{{ steps.extract.output.fields.invoice_number }}",
                                        "amount": "{{ steps.extract.output.fields.amount }}",
                                        "due_date": "{{ steps.extract.output.fields.due_date }}",
                                        "supplier": "{{ from }}", "subject": "{{ subject }}",
                                        "pdf": "{{ attachments[0].ref }}", "confirmation": "{{ steps.summary.output.message_id }}"}}}
                 ]}
                """.formatted(mail.getImap().getPort(), mail.getSmtp().getPort(), subscriberUrl));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        // The trigger service has seen the mailbox once it wrote its cursor (on zaps.trigger-cursors): from then on every message is new.
        await().atMost(AT_MOST).until(() -> TriggerCursorRecords.hasCursor(zaps.bootstrapServers(), "invoice_inbox"));

        byte[] pdf = invoicePdf("ACME Supplies Ltd - INVOICE", "Invoice number: INV-2026-0042", "Invoice date: 2026-11-02",
                "Amount due: EUR 1234.50", "Due date: 2026-12-31", "Please transfer to IBAN DE00 1234 5678 9000");
        send("billing@acme.example", "Your invoice INV-2026-0042", "Dear customer, your invoice is attached.", "INV-2026-0042.pdf", pdf);
        send("billing@acme.example", "Lunch on Friday?", "No invoice here.", null, null); // does not pass the subject filter

        JsonNode run = awaitOneFinalRun("invoice_inbox");
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        JsonNode context = run.get("context");
        assertThat(context.get("from").stringValue()).isEqualTo("billing@acme.example");
        assertThat(context.get("subject").stringValue()).isEqualTo("Your invoice INV-2026-0042");
        JsonNode attachment = context.get("attachments").get(0);
        assertThat(attachment.get("filename").stringValue()).isEqualTo("INV-2026-0042.pdf");
        assertThat(attachment.get("content_type").stringValue()).isEqualTo("application/pdf");
        assertThat(attachment.get("size").longValue()).isEqualTo(pdf.length);
        String ref = attachment.get("ref").stringValue();
        assertThat(Files.readAllBytes(dataDir.resolve("attachments/sha256/" + ref.substring("sha256:".length())))).isEqualTo(pdf);
        JsonNode fields = run.get("steps").get("extract").get("output").get("fields");
        assertThat(fields).isEqualTo(Json.mapper().readTree(
                "{\"invoice_number\": \"INV-2026-0042\", \"amount\": \"1234.50\", \"due_date\": \"2026-12-31\"}"));

        // The summary, received by the SMTP server, sent with the stored password.
        MimeMessage summary = await().atMost(AT_MOST).until(() -> Arrays.stream(mail.getReceivedMessages())
                .filter(m -> subjectOf(m).startsWith("Received ")).toList(), l -> !l.isEmpty()).get(0);
        assertThat(summary.getSubject()).isEqualTo("Received INV-2026-0042");
        assertThat(summary.getAllRecipients()).extracting(Object::toString).containsExactly("billing@acme.example");
        assertThat(summary.getFrom()[0].toString()).isEqualTo("robot@zaps.test");
        assertThat(GreenMailUtil.getBody(summary).strip()).isEqualTo(
                "Thank you. Invoice INV-2026-0042 (INV-2026-0042.pdf) over EUR 1234.50 will be paid by 2026-12-31.");

        // The webhook, with every field substituted.
        Received booked = received.stream().filter(r -> r.path().equals("/invoices")).findFirst().orElseThrow();
        assertThat(Json.mapper().readTree(booked.body())).isEqualTo(Json.mapper().readTree("""
                {"invoice_number": "INV-2026-0042", "amount": "1234.50", "due_date": "2026-12-31",
                 "supplier": "billing@acme.example", "subject": "Your invoice INV-2026-0042", "pdf": "%s", "confirmation": "%s"}
                """.formatted(ref, summary.getMessageID())));

        // Once: more polls start nothing more, the lunch mail started nothing.
        Thread.sleep(3000);
        assertThat(Json.mapper().readTree(get("/api/workflows/invoice_inbox/runs").body())).hasSize(1);
        assertThat(Arrays.stream(mail.getReceivedMessages()).filter(m -> subjectOf(m).startsWith("Received "))).hasSize(1);
        assertThat(received.stream().filter(r -> r.path().equals("/invoices"))).hasSize(1);

        assertPasswordsNowhere();
    }

    // ------------------------------------------------------------------ helpers

    /** Neither password is in a file of the data folder (but the encrypted store) nor in any record of any topic. */
    private static void assertPasswordsNowhere() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(dataDir.resolve("secrets"))).toList()) {
                byte[] bytes = Files.readAllBytes(file);
                assertThat(contains(bytes, IMAP_PASSWORD) || contains(bytes, SMTP_PASSWORD)).as(file.toString()).isFalse();
            }
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.listTopics().forEach((topic, infos) -> infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            await().atMost(AT_MOST).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
            });
            assertThat(records).as("records on the topics").isNotEmpty();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                List<byte[]> parts = new ArrayList<>(List.of(record.key() == null ? new byte[0] : record.key(),
                        record.value() == null ? new byte[0] : record.value()));
                for (Header header : record.headers()) {
                    parts.add(header.value() == null ? new byte[0] : header.value());
                }
                for (byte[] part : parts) {
                    assertThat(contains(part, IMAP_PASSWORD) || contains(part, SMTP_PASSWORD))
                            .as(record.topic() + "-" + record.partition() + "@" + record.offset()).isFalse();
                }
            }
        }
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }

    private static JsonNode awaitOneFinalRun(String workflowId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode runs = Json.mapper().readTree(get("/api/workflows/" + workflowId + "/runs").body());
            if (runs.size() != 1) {
                return false;
            }
            last[0] = Json.mapper().readTree(get("/api/runs/" + runs.get(0).get("run_id").stringValue()).body());
            return last[0].get("status").stringValue().matches("completed|failed|cancelled");
        });
        return last[0];
    }

    private static String subjectOf(MimeMessage message) {
        try {
            return String.valueOf(message.getSubject());
        } catch (jakarta.mail.MessagingException e) {
            return "";
        }
    }

    /** Sends an email to the watched mailbox over SMTP, as any mail client would. */
    private static void send(String from, String subject, String text, String filename, byte[] pdf) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", Integer.toString(mail.getSmtp().getPort()));
        MimeMessage message = new MimeMessage(Session.getInstance(props));
        message.setFrom(new InternetAddress(from));
        message.setRecipients(Message.RecipientType.TO, "invoices@zaps.test");
        message.setSubject(subject);
        MimeMultipart mixed = new MimeMultipart("mixed");
        MimeBodyPart body = new MimeBodyPart();
        body.setText(text, "UTF-8");
        mixed.addBodyPart(body);
        if (pdf != null) {
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
            attachment.setFileName(filename);
            attachment.setDisposition(MimeBodyPart.ATTACHMENT);
            mixed.addBodyPart(attachment);
        }
        message.setContent(mixed);
        Transport.send(message);
    }

    /** A one-page PDF with a text layer, one line per entry. */
    static byte[] invoicePdf(String... lines) throws IOException {
        try (PDDocument document = new PDDocument()) {
            PDPage page = new PDPage(PDRectangle.A4);
            document.addPage(page);
            try (PDPageContentStream content = new PDPageContentStream(document, page)) {
                content.beginText();
                content.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                content.setLeading(18);
                content.newLineAtOffset(60, 760);
                for (String line : lines) {
                    content.showText(line);
                    content.newLine();
                }
                content.endText();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            document.save(out);
            return out.toByteArray();
        }
    }

    static HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
