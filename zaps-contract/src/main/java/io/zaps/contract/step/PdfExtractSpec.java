package io.zaps.contract.step;

import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code pdf_extract}: reads a PDF and pulls fields out of its text (connector-pdf).
 * <ul>
 *   <li>{@code ref} (template): an attachment ref {@code sha256:<64 hex>} in the data folder's
 *       attachment store (e.g. {@code {{ attachments[0].ref }}}); or</li>
 *   <li>{@code url} (template): an absolute http(s) URL to download the PDF from (size-capped;
 *       link-local and cloud metadata addresses are refused). Exactly one of {@code ref} and {@code url}.</li>
 *   <li>{@code rules}: list of {@code {"name", "regex"}}: a Java regular expression searched in the
 *       whole text; the field is the named group {@code value}, else the first group, else the whole
 *       match. The regex is a template like every config string, so it must not contain
 *       {@code {{} or {@code {%}.</li>
 *   <li>{@code fields}: list of labels; a line {@code <label>: <value>} (label case-insensitive)
 *       gives the field named after the label in snake case ({@code "Invoice number"} ->
 *       {@code invoice_number}).</li>
 *   <li>{@code schema}: a JSON Schema object (draft 2020-12) the extracted fields must satisfy.</li>
 *   <li>{@code max_pages}: 1 to 1000, default 50: pages past it are not read.</li>
 *   <li>{@code timeout_seconds}: 1 to 300, default 60.</li>
 * </ul>
 * At least one of {@code rules} and {@code fields}; a field not found is left out of {@code fields}
 * (use the schema's {@code required} to insist). Output:
 * {@code {"pages": [{"number", "text"}], "text", "fields": {...}, "page_count", "text_truncated"}}
 * with the text capped in size. Corrupt, encrypted or non-PDF input, a PDF without a text layer,
 * and fields failing the schema fail the step permanently.
 */
public final class PdfExtractSpec implements StepSpec {
    public static final String TYPE = "pdf_extract";
    public static final int DEFAULT_MAX_PAGES = 50;
    public static final int MAX_PAGES = 1000;
    public static final int DEFAULT_TIMEOUT_SECONDS = 60;
    public static final int MAX_TIMEOUT_SECONDS = 300;
    /** The group a rule's regex names to say which part is the value. */
    public static final String VALUE_GROUP = "value";

    private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean external() {
        return true;
    }

    @Override
    public int defaultTimeoutSeconds() {
        return DEFAULT_TIMEOUT_SECONDS;
    }

    /** The key a {@code fields} label gets in the output: lower case, other characters runs become {@code _}. */
    public static String fieldKey(String label) {
        String key = label.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return key.isEmpty() ? "field" : key;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations)
                .onlyFields(Set.of("ref", "url", "rules", "fields", "schema", "max_pages", "timeout_seconds"));
        boolean hasRef = checks.has("ref");
        boolean hasUrl = checks.has("url");
        if (hasRef == hasUrl) {
            checks.violation(hasRef ? "url" : "ref", "exactly one of ref (an attachment ref) and url is required");
        }
        if (hasRef) {
            String ref = checks.templateString("ref", true);
            if (ref != null && !Templates.isTemplate(ref) && !ref.matches("sha256:[0-9a-f]{64}")) {
                checks.violation("ref", "must be an attachment ref sha256:<64 lower-case hex> (or a template giving one)");
            }
        }
        if (hasUrl) {
            checks.url("url");
        }
        Set<String> names = new HashSet<>();
        JsonNode rules = config == null ? null : config.get("rules");
        JsonNode fields = config == null ? null : config.get("fields");
        boolean hasRules = rules != null && !rules.isNull();
        boolean hasFields = fields != null && !fields.isNull();
        if (!hasRules && !hasFields) {
            checks.violation("rules", "rules or fields is required (what to extract)");
        }
        if (hasRules) {
            rules(rules, checks, names);
        }
        if (hasFields) {
            fields(fields, checks, names);
        }
        JsonNode schema = config == null ? null : config.get("schema");
        if (schema != null && !schema.isNull() && !schema.isObject()) {
            checks.violation("schema", "must be a JSON Schema object");
        }
        checks.integer("max_pages", false, 1, MAX_PAGES, DEFAULT_MAX_PAGES);
        checks.integer("timeout_seconds", false, 1, MAX_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS);
    }

    private static void rules(JsonNode rules, ConfigChecks checks, Set<String> names) {
        if (!rules.isArray() || rules.isEmpty()) {
            checks.violation("rules", "must be a non-empty list of {name, regex}");
            return;
        }
        for (int i = 0; i < rules.size(); i++) {
            String at = "rules[" + i + "]";
            JsonNode rule = rules.get(i);
            if (!rule.isObject()) {
                checks.violation(at, "must be an object {name, regex}");
                continue;
            }
            for (String field : rule.propertyNames()) {
                if (!field.equals("name") && !field.equals("regex")) {
                    checks.violation(at + "." + field, "unknown field (allowed: name, regex)");
                }
            }
            JsonNode name = rule.get("name");
            if (name == null || !name.isString() || !FIELD_NAME.matcher(name.stringValue()).matches()) {
                checks.violation(at + ".name", "is required: a field name matching " + FIELD_NAME.pattern());
            } else if (!names.add(name.stringValue())) {
                checks.violation(at + ".name", "duplicate field name '" + name.stringValue() + "'");
            }
            JsonNode regex = rule.get("regex");
            if (regex == null || !regex.isString() || regex.stringValue().isEmpty()) {
                checks.violation(at + ".regex", "is required (a Java regular expression)");
                continue;
            }
            String text = regex.stringValue();
            if (Templates.isTemplate(text)) {
                checks.violation(at + ".regex", "must not contain template delimiters ({{ or {%): the config is rendered before use");
                continue;
            }
            try {
                Pattern.compile(text);
            } catch (PatternSyntaxException e) {
                checks.violation(at + ".regex", "is not a valid regular expression: " + e.getDescription() + " near index " + e.getIndex());
            }
        }
    }

    private static void fields(JsonNode fields, ConfigChecks checks, Set<String> names) {
        if (!fields.isArray() || fields.isEmpty()) {
            checks.violation("fields", "must be a non-empty list of labels");
            return;
        }
        for (int i = 0; i < fields.size(); i++) {
            JsonNode label = fields.get(i);
            if (!label.isString() || label.stringValue().isBlank() || label.stringValue().contains(":")
                    || label.stringValue().contains("\n")) {
                checks.violation("fields[" + i + "]", "must be a non-blank label without ':' or line breaks");
            } else if (Templates.isTemplate(label.stringValue())) {
                checks.violation("fields[" + i + "]", "must not contain template delimiters ({{ or {%)");
            } else if (!names.add(fieldKey(label.stringValue()))) {
                checks.violation("fields[" + i + "]", "duplicate field name '" + fieldKey(label.stringValue()) + "'");
            }
        }
    }
}
