package io.zaps.connector.pdf;

import io.zaps.testkit.TestHttpServer;
import io.zaps.connector.net.OutboundAddressPolicy;

import io.zaps.connector.StepOutcome;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.store.AttachmentStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static io.zaps.testkit.TestHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

/** The handler on real PDFs made with PDFBox, from a real attachment store and a real local HTTP server. */
class PdfExtractHandlerTest {
    private static final int MAX_DOCUMENT_BYTES = 200_000;

    @TempDir
    Path data;
    private AttachmentStore store;
    private PdfExtractHandler handler;
    private TestHttpServer server;

    @BeforeEach
    void setUp() throws IOException {
        store = new AttachmentStore(data);
        handler = handler(100_000);
        server = new TestHttpServer();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private PdfExtractHandler handler(int maxTextChars) {
        DocumentSource source = new DocumentSource(store, DocumentSource.newHttpClient(),
                OutboundAddressPolicy.of(List.of(), false, "zaps.pdf"), MAX_DOCUMENT_BYTES);
        return new PdfExtractHandler(source, new SchemaCheck(), maxTextChars);
    }

    private static ObjectNode invoiceRules(ObjectNode config) {
        config.putArray("fields").add("Invoice number").add("Due date");
        config.putArray("rules").addObject().put("name", "amount").put("regex", "Amount:\\s*\\$(?<value>[0-9.,]+)");
        return config;
    }

    private static ExecuteStep request(ObjectNode config) {
        String run = "6d3f5c1e-8a43-4c2b-9f3e-0a1b2c3d4e5f";
        Instant now = Instant.now();
        return new ExecuteStep(1, run, "wf", "extract", "pdf_extract", 1, Ids.idempotencyKey(run, "extract", 1), config, now,
                now.plusSeconds(120));
    }

    private StepOutcome extractStored(byte[] pdf, ObjectNode config) {
        return handler.handle(request(config.put("ref", store.put(pdf))));
    }

    @Test
    void extractsTheTextPerPageAndTheInvoiceFields() {
        StepOutcome outcome = extractStored(TestPdfs.invoice(), invoiceRules(Json.object()));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        JsonNode output = outcome.output();
        assertThat(output.get("fields").get("invoice_number").stringValue()).isEqualTo("INV-42");
        assertThat(output.get("fields").get("amount").stringValue()).isEqualTo("150.00");
        assertThat(output.get("fields").get("due_date").stringValue()).isEqualTo("2026-12-01");
        assertThat(output.get("page_count").intValue()).isEqualTo(2);
        assertThat(output.get("pages")).hasSize(2);
        assertThat(output.get("pages").get(0).get("number").intValue()).isEqualTo(1);
        assertThat(output.get("pages").get(0).get("text").stringValue()).contains("Invoice number: INV-42").doesNotContain("Thank you");
        assertThat(output.get("pages").get(1).get("text").stringValue()).contains("Thank you for your business.");
        assertThat(output.get("text").stringValue()).contains("ACME Corp").contains("Terms: payable within 30 days");
        assertThat(output.get("text_truncated").booleanValue()).isFalse();
    }

    @Test
    void aRuleWithoutANamedGroupTakesTheFirstGroupAndAFieldNotFoundIsLeftOut() {
        ObjectNode config = Json.object();
        config.putArray("rules").addObject().put("name", "number").put("regex", "INV-(\\d+)");
        config.putArray("fields").add("Purchase order");
        StepOutcome outcome = extractStored(TestPdfs.invoice(), config);

        assertThat(outcome.output().get("fields").get("number").stringValue()).isEqualTo("42");
        assertThat(outcome.output().get("fields").has("purchase_order")).isFalse();
    }

    @Test
    void maxPagesAndTheTextCapBoundTheOutput() {
        handler = handler(1000);
        byte[] longText = TestPdfs.pdf(null, List.of("Amount: $1.00", "x".repeat(90)), Arrays.asList(new String[40]).stream()
                .map(n -> "line of filler text on page two ............................................").toList());
        ObjectNode config = invoiceRules(Json.object()).put("max_pages", 1);
        JsonNode output = extractStored(longText, config).output();
        assertThat(output.get("page_count").intValue()).isEqualTo(2);
        assertThat(output.get("pages")).hasSize(1);
        assertThat(output.get("fields").get("amount").stringValue()).isEqualTo("1.00");

        JsonNode capped = extractStored(longText, invoiceRules(Json.object())).output();
        assertThat(capped.get("text_truncated").booleanValue()).isTrue();
        assertThat(capped.get("text").stringValue()).hasSize(1000);
    }

    @Test
    void fieldsAreCheckedAgainstTheSchema() {
        ObjectNode ok = invoiceRules(Json.object());
        ok.set("schema", Json.mapper().readTree("""
                {"type": "object", "required": ["invoice_number", "amount", "due_date"],
                 "properties": {"invoice_number": {"type": "string", "pattern": "^INV-[0-9]+$"},
                                "amount": {"type": "string", "pattern": "^[0-9]+\\\\.[0-9]{2}$"},
                                "due_date": {"type": "string", "format": "date"}}}"""));
        assertThat(extractStored(TestPdfs.invoice(), ok)).isInstanceOf(StepOutcome.Succeeded.class);

        ObjectNode bad = invoiceRules(Json.object());
        bad.set("schema", Json.mapper().readTree("""
                {"type": "object", "required": ["customer"], "properties": {"invoice_number": {"type": "string", "pattern": "^X"}}}"""));
        StepOutcome outcome = extractStored(TestPdfs.invoice(), bad);
        assertThat(outcome).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).startsWith("extracted fields do not match the schema").contains("customer").contains("invoice_number");
            assertThat(failed.output().get("fields").get("invoice_number").stringValue()).isEqualTo("INV-42");
        });
    }

    @Test
    void aSchemaWithARemoteRefIsNotFetched() {
        server.route("/schema.json", exchange -> respond(exchange, 200, "application/json", "{\"type\": \"object\"}"));
        ObjectNode config = invoiceRules(Json.object());
        config.set("schema", Json.object().put("$ref", server.url("/schema.json")));

        StepOutcome outcome = extractStored(TestPdfs.invoice(), config);

        assertThat(outcome).isInstanceOf(StepOutcome.Failed.class);
        assertThat(((StepOutcome.Failed) outcome).retryable()).isFalse();
        assertThat(server.received()).isEmpty();
    }

    @Test
    void theScannedSampleHasNoTextLayer() {
        assertThat(extractStored(TestPdfs.scannedInvoice(), invoiceRules(Json.object())))
                .isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                    assertThat(failed.retryable()).isFalse();
                    assertThat(failed.error()).startsWith("no text layer");
                });
    }

    @Test
    void corruptEncryptedAndNonPdfInputFailPermanentlyWithAClearReason() {
        byte[] corrupt = "%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> garbage \u0000\u0001\u0002 trailer <<>> %%EOF"
                .getBytes(StandardCharsets.ISO_8859_1);
        assertPermanent(corrupt, "corrupt PDF");
        assertPermanent("{\"invoice\": \"INV-42\"}".getBytes(StandardCharsets.UTF_8), "not a PDF");
        assertPermanent(new byte[0], "not a PDF");
        assertPermanent(TestPdfs.passwordProtectedInvoice(), "encrypted PDF: a password is required");
        assertPermanent(TestPdfs.extractionForbiddenInvoice(), "encrypted PDF: text extraction is not permitted");
    }

    private void assertPermanent(byte[] document, String reason) {
        assertThat(extractStored(document, invoiceRules(Json.object())))
                .isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
                    assertThat(failed.retryable()).isFalse();
                    assertThat(failed.error()).startsWith(reason);
                });
    }

    @Test
    void aMissingAttachmentOrABadConfigFailsPermanently() {
        ObjectNode missing = invoiceRules(Json.object()).put("ref", "sha256:" + "0".repeat(64));
        assertThat(handler.handle(request(missing))).isInstanceOfSatisfying(StepOutcome.Failed.class,
                failed -> assertThat(failed.error()).contains("is not stored"));
        ObjectNode escape = invoiceRules(Json.object()).put("ref", "sha256:../../workflows/x.json");
        assertThat(handler.handle(request(escape))).isInstanceOfSatisfying(StepOutcome.Failed.class,
                failed -> assertThat(failed.error()).contains("ref must be an attachment ref"));
        assertThat(handler.handle(request(invoiceRules(Json.object())))).isInstanceOfSatisfying(StepOutcome.Failed.class,
                failed -> assertThat(failed.error()).contains("exactly one of ref and url"));
    }

    @Test
    void downloadsFromAUrlPassingTheIdempotencyKey() {
        byte[] pdf = TestPdfs.invoice();
        server.route("/files/invoice.pdf", exchange -> respond(exchange, 200, "application/pdf", pdf))
                .route("/moved", TestHttpServer.redirect(302, "/files/invoice.pdf"));
        ObjectNode config = invoiceRules(Json.object()).put("url", server.url("/moved"));

        StepOutcome outcome = handler.handle(request(config));

        assertThat(outcome).isInstanceOf(StepOutcome.Succeeded.class);
        assertThat(outcome.output().get("fields").get("invoice_number").stringValue()).isEqualTo("INV-42");
        assertThat(server.received()).extracting(TestHttpServer.Received::path).containsExactly("/moved", "/files/invoice.pdf");
        assertThat(server.received().get(1).header("Idempotency-Key")).isEqualTo(request(config).idempotencyKey());
    }

    @Test
    void downloadFailuresAreClassified() {
        server.route("/missing.pdf", exchange -> respond(exchange, 404, "text/plain", "no"))
                .route("/busy.pdf", exchange -> respond(exchange, 503, "text/plain", "later"))
                .route("/huge.pdf", exchange -> respond(exchange, 200, "application/pdf", new byte[MAX_DOCUMENT_BYTES + 1]))
                .route("/to-metadata", TestHttpServer.redirect(302, "http://169.254.169.254/latest/meta-data/"));

        assertFailure("/missing.pdf", false, "HTTP 404");
        assertFailure("/busy.pdf", true, "HTTP 503");
        assertFailure("/huge.pdf", false, "larger than " + MAX_DOCUMENT_BYTES + " bytes");
        assertFailure("/to-metadata", false, "outbound address denied: 169.254.169.254 is link-local or cloud metadata");
        StepOutcome metadata = handler.handle(request(invoiceRules(Json.object()).put("url", "http://169.254.169.254/latest/x.pdf")));
        assertThat(metadata).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isFalse();
            assertThat(failed.error()).contains("outbound address denied");
        });
    }

    private void assertFailure(String path, boolean retryable, String reason) {
        StepOutcome outcome = handler.handle(request(invoiceRules(Json.object()).put("url", server.url(path) + "?token=s3cret")));
        assertThat(outcome).as(path).isInstanceOfSatisfying(StepOutcome.Failed.class, failed -> {
            assertThat(failed.retryable()).isEqualTo(retryable);
            assertThat(failed.error()).contains(reason).doesNotContain("s3cret");
        });
    }
}
