package io.zaps.connector.pdf;

import io.zaps.contract.step.PdfExtractSpec;
import io.zaps.store.AttachmentStore;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A {@code pdf_extract} step's rendered config ({@link PdfExtractSpec}), read strictly: rendering
 * may have produced what the definition-time validation could not see (an empty ref).
 *
 * @param ref    the attachment ref, or null when {@code url} is set
 * @param url    the URL to download, or null when {@code ref} is set
 * @param schema the JSON Schema the fields must satisfy, or null
 */
record PdfConfig(String ref, URI url, List<Rule> rules, List<String> labels, JsonNode schema, int maxPages, int timeoutSeconds) {

    /** One regex rule; the value is group {@code value} when the regex names it, else group 1, else the match. */
    record Rule(String name, Pattern pattern) {
        String valueIn(String text) {
            var matcher = pattern.matcher(text);
            if (!matcher.find()) {
                return null;
            }
            String value;
            if (pattern.pattern().contains("(?<" + PdfExtractSpec.VALUE_GROUP + ">")) {
                value = matcher.group(PdfExtractSpec.VALUE_GROUP);
            } else {
                value = matcher.groupCount() >= 1 ? matcher.group(1) : matcher.group();
            }
            return value == null ? null : value.trim();
        }
    }

    /** The config cannot be used; permanent. */
    static final class InvalidConfigException extends Exception {
        InvalidConfigException(String message) {
            super("invalid pdf_extract config: " + message);
        }
    }

    static PdfConfig from(ObjectNode config) throws InvalidConfigException {
        if (config == null) {
            throw new InvalidConfigException("config is missing");
        }
        String ref = text(config.get("ref"));
        String url = text(config.get("url"));
        if ((ref == null) == (url == null)) {
            throw new InvalidConfigException("exactly one of ref and url is required");
        }
        if (ref != null && !AttachmentStore.isRef(ref)) {
            throw new InvalidConfigException("ref must be an attachment ref sha256:<64 lower-case hex>");
        }
        JsonNode schema = config.get("schema");
        if (schema != null && !schema.isNull() && !schema.isObject()) {
            throw new InvalidConfigException("schema must be a JSON Schema object");
        }
        return new PdfConfig(ref, url == null ? null : url(url), rules(config.get("rules")), labels(config.get("fields")),
                schema == null || schema.isNull() ? null : schema,
                integer(config.get("max_pages"), "max_pages", PdfExtractSpec.DEFAULT_MAX_PAGES, PdfExtractSpec.MAX_PAGES),
                integer(config.get("timeout_seconds"), "timeout_seconds", PdfExtractSpec.DEFAULT_TIMEOUT_SECONDS,
                        PdfExtractSpec.MAX_TIMEOUT_SECONDS));
    }

    private static String text(JsonNode node) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString() || node.stringValue().isBlank()) {
            throw new InvalidConfigException("ref and url must be non-blank strings");
        }
        return node.stringValue().trim();
    }

    /** Absolute http(s) with a host and no credentials; also applied to every redirect target. */
    static URI url(String text) throws InvalidConfigException {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidConfigException("url is not a valid URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new InvalidConfigException("url must use http or https");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new InvalidConfigException("url has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidConfigException("url must not carry credentials");
        }
        return uri;
    }

    private static List<Rule> rules(JsonNode node) throws InvalidConfigException {
        List<Rule> rules = new ArrayList<>();
        if (node == null || node.isNull()) {
            return rules;
        }
        if (!node.isArray()) {
            throw new InvalidConfigException("rules must be a list of {name, regex}");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode name = node.get(i).get("name");
            JsonNode regex = node.get(i).get("regex");
            if (name == null || !name.isString() || regex == null || !regex.isString()) {
                throw new InvalidConfigException("rules[" + i + "] needs a name and a regex");
            }
            try {
                rules.add(new Rule(name.stringValue(), Pattern.compile(regex.stringValue())));
            } catch (PatternSyntaxException e) {
                throw new InvalidConfigException("rules[" + i + "].regex is not a valid regular expression: " + e.getDescription());
            }
        }
        return rules;
    }

    private static List<String> labels(JsonNode node) throws InvalidConfigException {
        List<String> labels = new ArrayList<>();
        if (node == null || node.isNull()) {
            return labels;
        }
        if (!node.isArray()) {
            throw new InvalidConfigException("fields must be a list of labels");
        }
        for (int i = 0; i < node.size(); i++) {
            if (!node.get(i).isString() || node.get(i).stringValue().isBlank()) {
                throw new InvalidConfigException("fields[" + i + "] must be a non-blank label");
            }
            labels.add(node.get(i).stringValue().trim());
        }
        return labels;
    }

    private static int integer(JsonNode node, String field, int fallback, int max) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > max) {
            throw new InvalidConfigException(field + " must be an integer from 1 to " + max);
        }
        return node.intValue();
    }
}
