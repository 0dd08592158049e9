package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code webhook}: an HTTP call.
 * <ul>
 *   <li>{@code url} (required, template): absolute http(s) URL</li>
 *   <li>{@code method}: GET, POST (default), PUT, PATCH, DELETE or HEAD</li>
 *   <li>{@code headers}: object of template strings</li>
 *   <li>{@code body}: any JSON; every string in it is a template; sent as JSON</li>
 *   <li>{@code timeout_seconds}: 1 to 300, default 30</li>
 * </ul>
 * A non-2xx answer, refused connection, redirect loop or timeout fails the step. Output:
 * {@code {"response": {"status_code", "headers", "body"}}} with the body capped in size.
 */
public final class WebhookSpec implements StepSpec {
    public static final String TYPE = "webhook";
    public static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD");
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;
    public static final int MAX_TIMEOUT_SECONDS = 300;

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

    /** Header names whose values are credentials (compared case-insensitively). */
    public static final Set<String> SECRET_HEADERS = Set.of("authorization", "proxy-authorization", "cookie",
            "x-api-key", "api-key", "x-auth-token", "x-access-token");
    /** The password of {@code scheme://user:password@host}; compiled once (String.replaceFirst compiled it for every step started). */
    private static final Pattern URL_PASSWORD = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://[^/@:]*):[^/@]*@");

    @Override
    public ObjectNode redact(ObjectNode config) {
        if (config == null) {
            return null;
        }
        ObjectNode copy = config.deepCopy();
        JsonNode headers = copy.get("headers");
        if (headers instanceof ObjectNode headerObject) {
            for (String name : List.copyOf(headerObject.propertyNames())) {
                if (SECRET_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    headerObject.put(name, REDACTED);
                }
            }
        }
        JsonNode url = copy.get("url");
        if (url != null && url.isString()) {
            // http://user:secret@host/... keeps the user, hides the password
            copy.put("url", URL_PASSWORD.matcher(url.stringValue()).replaceFirst("$1:" + REDACTED + "@"));
        }
        return copy;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations)
                .onlyFields(Set.of("url", "method", "headers", "body", "timeout_seconds"));
        checks.url("url");
        checks.oneOf("method", METHODS);
        checks.stringMap("headers");
        checks.templatedValue("body");
        checks.integer("timeout_seconds", false, 1, MAX_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS);
    }
}
