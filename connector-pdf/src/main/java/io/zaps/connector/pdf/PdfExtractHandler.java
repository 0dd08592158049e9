package io.zaps.connector.pdf;

import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.step.PdfExtractSpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Executes {@code pdf_extract} steps (see {@link PdfExtractSpec}): loads the PDF, reads the text
 * of each page, pulls out the fields and checks them against the schema. Output:
 * {@code {"pages": [{"number", "text"}], "text", "fields", "page_count", "text_truncated"}}.
 */
final class PdfExtractHandler implements StepHandler {
    private final DocumentSource source;
    private final SchemaCheck schemaCheck;
    private final int maxTextChars;

    PdfExtractHandler(DocumentSource source, SchemaCheck schemaCheck, int maxTextChars) {
        this.source = source;
        this.schemaCheck = schemaCheck;
        this.maxTextChars = maxTextChars;
    }

    @Override
    public String type() {
        return PdfExtractSpec.TYPE;
    }

    @Override
    public StepOutcome handle(ExecuteStep request) {
        PdfConfig config;
        try {
            config = PdfConfig.from(request.config());
        } catch (PdfConfig.InvalidConfigException e) {
            return StepOutcome.permanent(e.getMessage());
        }
        Instant deadline = Instant.now().plusSeconds(config.timeoutSeconds());
        if (request.deadline() != null && request.deadline().isBefore(deadline)) {
            deadline = request.deadline();
        }
        PdfText.Document document;
        try {
            document = PdfText.extract(source.load(config, request.idempotencyKey(), deadline), config.maxPages(), deadline);
        } catch (ExtractionFailedException e) {
            return StepOutcome.failed(e.getMessage(), e.retryable(), null);
        }
        String text = String.join("\n\n", document.pages().stream().map(PdfText.Page::text).toList());
        Map<String, String> fields = FieldExtractor.extract(config, text);
        ObjectNode output = output(document, text, fields);
        if (config.schema() != null) {
            List<String> violations;
            try {
                violations = schemaCheck.violations(config.schema(), output.get("fields"));
            } catch (ExtractionFailedException e) {
                return StepOutcome.failed(e.getMessage(), false, output);
            }
            if (!violations.isEmpty()) {
                return StepOutcome.failed("extracted fields do not match the schema: " + String.join("; ", violations), false, output);
            }
        }
        return StepOutcome.succeeded(output);
    }

    private ObjectNode output(PdfText.Document document, String text, Map<String, String> fields) {
        ObjectNode output = Json.object();
        // One budget for all text kept: the pages first, then the joined text.
        int budget = maxTextChars;
        boolean truncated = false;
        ArrayNode pages = output.putArray("pages");
        for (PdfText.Page page : document.pages()) {
            String kept = page.text().length() > budget ? page.text().substring(0, budget) : page.text();
            truncated |= kept.length() < page.text().length();
            budget -= kept.length();
            pages.addObject().put("number", page.number()).put("text", kept);
        }
        truncated |= text.length() > maxTextChars;
        output.put("text", text.length() > maxTextChars ? text.substring(0, maxTextChars) : text);
        ObjectNode fieldNode = output.putObject("fields");
        fields.forEach(fieldNode::put);
        output.put("page_count", document.pageCount());
        output.put("pages_read", document.pages().size());
        output.put("text_truncated", truncated);
        return output;
    }
}
