package io.zaps.connector.webhook;

import io.zaps.contract.step.WebhookSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A webhook step's rendered config ({@link WebhookSpec}), read strictly: rendering may have produced
 * values the definition-time validation could not see (an empty URL, a header with a line break).
 *
 * @param body the JSON to send, or null to send none
 */
record WebhookConfig(URI url, String method, Map<String, String> headers, JsonNode body, int timeoutSeconds) {

    /** The config cannot be used; permanent. */
    static final class InvalidConfigException extends Exception {
        InvalidConfigException(String message) {
            super("invalid webhook config: " + message);
        }
    }

    static WebhookConfig from(ObjectNode config) throws InvalidConfigException {
        if (config == null) {
            throw new InvalidConfigException("config is missing");
        }
        return new WebhookConfig(url(config.get("url")), method(config.get("method")), headers(config.get("headers")),
                body(config.get("body")), timeout(config.get("timeout_seconds")));
    }

    private static URI url(JsonNode node) throws InvalidConfigException {
        if (node == null || !node.isString() || node.stringValue().isBlank()) {
            throw new InvalidConfigException("url is required (an absolute http or https URL)");
        }
        String text = node.stringValue().trim();
        try {
            return checkedUrl(new URI(text));
        } catch (URISyntaxException e) {
            throw new InvalidConfigException("url '" + text + "' is not a valid URL: " + e.getReason());
        }
    }

    /** Absolute http(s) with a host; also applied to every redirect target. */
    static URI checkedUrl(URI uri) throws InvalidConfigException {
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw new InvalidConfigException("url '" + uri + "' must use http or https");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new InvalidConfigException("url '" + uri + "' has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidConfigException("url '" + uri.getHost() + "' must not carry credentials; use an Authorization header");
        }
        return uri;
    }

    private static String method(JsonNode node) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return "POST";
        }
        String method = node.isString() ? node.stringValue().trim().toUpperCase(Locale.ROOT) : "";
        if (!WebhookSpec.METHODS.contains(method)) {
            throw new InvalidConfigException("method must be one of " + WebhookSpec.METHODS.stream().sorted().toList());
        }
        return method;
    }

    private static Map<String, String> headers(JsonNode node) throws InvalidConfigException {
        Map<String, String> headers = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return headers;
        }
        if (!node.isObject()) {
            throw new InvalidConfigException("headers must be an object of strings");
        }
        for (Map.Entry<String, JsonNode> header : node.properties()) {
            JsonNode value = header.getValue();
            if (!value.isString() && !value.isNumber() && !value.isBoolean()) {
                throw new InvalidConfigException("header " + header.getKey() + " must be a string");
            }
            headers.put(header.getKey(), value.asString());
        }
        return headers;
    }

    private static JsonNode body(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static int timeout(JsonNode node) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return WebhookSpec.DEFAULT_TIMEOUT_SECONDS;
        }
        if (!node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > WebhookSpec.MAX_TIMEOUT_SECONDS) {
            throw new InvalidConfigException("timeout_seconds must be an integer from 1 to " + WebhookSpec.MAX_TIMEOUT_SECONDS);
        }
        return node.intValue();
    }
}
