package io.zaps.contract.step;

import io.zaps.contract.template.Templates;
import io.zaps.contract.trigger.SecretRef;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small helpers shared by {@link StepSpec} implementations. All of them only add violations. */
public final class ConfigChecks {
    private final ObjectNode config;
    private final String path;
    private final List<Violation> violations;

    private ConfigChecks(ObjectNode config, String path, List<Violation> violations) {
        this.config = config;
        this.path = path;
        this.violations = violations;
    }

    /** Starts checking {@code config}; a missing config is reported and checked as empty. */
    public static ConfigChecks of(ObjectNode config, String path, List<Violation> violations) {
        if (config == null) {
            violations.add(new Violation(path, "is required (a JSON object)"));
            return new ConfigChecks(io.zaps.contract.Json.object(), path, violations);
        }
        return new ConfigChecks(config, path, violations);
    }

    private String at(String field) {
        return path + "." + field;
    }

    private void add(String field, String message) {
        violations.add(new Violation(at(field), message));
    }

    private JsonNode get(String field) {
        JsonNode node = config.get(field);
        return node == null || node.isNull() ? null : node;
    }

    /** Reports fields not in {@code allowed}: a typo should not silently fall back to a default. */
    public ConfigChecks onlyFields(Set<String> allowed) {
        for (String name : config.propertyNames()) {
            if (!allowed.contains(name)) {
                add(name, "unknown field (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
        return this;
    }

    /** A string that may be a template. Returns it, or null when absent or invalid. */
    public String templateString(String field, boolean required) {
        JsonNode node = get(field);
        if (node == null) {
            if (required) {
                add(field, "is required");
            }
            return null;
        }
        if (!node.isString()) {
            add(field, "must be a string");
            return null;
        }
        String value = node.stringValue();
        if (required && value.isBlank()) {
            add(field, "must not be blank");
            return null;
        }
        return checkTemplate(field, value) ? value : null;
    }

    /**
     * A reference to the credential store and nothing else, {@code {{ secret('name') }}}: for fields that only ever hold
     * a secret (passwords). Returns the secret's name, or null when absent or invalid. The message says how to store the
     * value and never repeats what was given, which may be the secret itself.
     */
    public String secretReference(String field, boolean required, String exampleName) {
        JsonNode node = get(field);
        if (node == null) {
            if (required) {
                add(field, "is required (a secret reference such as " + SecretRef.of(exampleName) + ")");
            }
            return null;
        }
        String name = node.isString() ? SecretRef.name(node.stringValue()).orElse(null) : null;
        if (name == null) {
            add(field, "must be a secret reference such as " + SecretRef.of(exampleName) + ", never the value itself: store it first "
                    + "with PUT /api/secrets/" + exampleName + " and the body {\"value\": \"...\"}, then reference it by name");
        }
        return name;
    }

    /** An absolute http(s) URL; when it contains a template only the template syntax can be checked now. */
    public void url(String field) {
        String value = templateString(field, true);
        if (value == null || Templates.isTemplate(value)) {
            return;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
                add(field, "must be an absolute http or https URL");
            }
        } catch (java.net.URISyntaxException e) {
            add(field, "is not a valid URL: " + e.getReason());
        }
    }

    /** An integer in {@code [min, max]}; returns it or {@code fallback}. */
    public long integer(String field, boolean required, long min, long max, long fallback) {
        JsonNode node = get(field);
        if (node == null) {
            if (required) {
                add(field, "is required (an integer from " + min + " to " + max + ")");
            }
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            add(field, "must be an integer from " + min + " to " + max);
            return fallback;
        }
        long value = node.longValue();
        if (value < min || value > max) {
            add(field, "must be an integer from " + min + " to " + max + " (was " + value + ")");
            return fallback;
        }
        return value;
    }

    /** One of {@code allowed} (case-insensitive). */
    public void oneOf(String field, Set<String> allowed) {
        JsonNode node = get(field);
        if (node == null) {
            return;
        }
        if (!node.isString() || allowed.stream().noneMatch(a -> a.equalsIgnoreCase(node.stringValue()))) {
            add(field, "must be one of " + allowed.stream().sorted().toList());
        }
    }

    /** An object whose values are (template) strings, e.g. HTTP headers. */
    public void stringMap(String field) {
        JsonNode node = get(field);
        if (node == null) {
            return;
        }
        if (!node.isObject()) {
            add(field, "must be an object of string values");
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isString()) {
                add(field + "." + e.getKey(), "must be a string");
            } else {
                checkTemplate(field + "." + e.getKey(), e.getValue().stringValue());
            }
        }
    }

    /** A string or a non-empty list of strings (e.g. recipients). */
    public void stringOrList(String field, boolean required) {
        JsonNode node = get(field);
        if (node == null) {
            if (required) {
                add(field, "is required (a string or a list of strings)");
            }
            return;
        }
        if (node.isString()) {
            if (node.stringValue().isBlank()) {
                add(field, "must not be blank");
            } else {
                checkTemplate(field, node.stringValue());
            }
            return;
        }
        if (!node.isArray() || node.isEmpty()) {
            add(field, "must be a string or a non-empty list of strings");
            return;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isString() || item.stringValue().isBlank()) {
                add(field + "[" + i + "]", "must be a non-blank string");
            } else {
                checkTemplate(field + "[" + i + "]", item.stringValue());
            }
        }
    }

    /** Any JSON value; every string inside it is checked as a template. */
    public void templatedValue(String field) {
        JsonNode node = get(field);
        if (node != null) {
            walk(field, node);
        }
    }

    private void walk(String field, JsonNode node) {
        if (node.isString()) {
            checkTemplate(field, node.stringValue());
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                walk(field + "." + e.getKey(), e.getValue());
            }
        } else if (node.isArray()) {
            Iterator<JsonNode> it = node.iterator();
            for (int i = 0; it.hasNext(); i++) {
                walk(field + "[" + i + "]", it.next());
            }
        }
    }

    private boolean checkTemplate(String field, String value) {
        String error = Templates.syntaxError(value);
        if (error != null) {
            add(field, "invalid template: " + error);
            return false;
        }
        return true;
    }

    public boolean has(String field) {
        return get(field) != null;
    }

    public void violation(String field, String message) {
        add(field, message);
    }
}
