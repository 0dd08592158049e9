package io.zaps.contract.template;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expressions: one {@code {{ ... }}} whose value is used as it is rather than printed, e.g. the
 * conditions of {@code filter} and {@code switch} ({@code {{ amount > 100 and country == 'DE' }}}) and
 * the whole-expression strings of a {@code transform}'s output. The same language, scope, sandbox and
 * bounds as {@link Templates}: an expression is evaluated as the template {@code {{ (expr) | zaps_value }}}.
 */
public final class Expressions {
    /** Exactly one {@code {{ ... }}}, nothing around it but spaces. */
    private static final Pattern ONE = Pattern.compile("^\\s*\\{\\{(.*)}}\\s*$", Pattern.DOTALL);

    private Expressions() {}

    /** Whether {@code text} is exactly one {@code {{ ... }}} expression (not checked further). */
    public static boolean isExpression(String text) {
        return text != null && inner(text) != null;
    }

    /** Why {@code expression} cannot be an expression, or {@code null} when it parses. */
    public static String syntaxError(String expression) {
        String inner = expression == null ? null : inner(expression);
        if (inner == null) {
            return "must be one expression in double braces, e.g. {{ amount > 100 }}";
        }
        if (inner.contains("secret(")) {
            return "secret() cannot be used in an expression (its value would be recorded)";
        }
        return Templates.syntaxError(template(inner));
    }

    /**
     * The value of a condition.
     *
     * @throws TemplateException naming {@code field} when it cannot be evaluated or is not a boolean
     */
    public static boolean condition(String expression, Map<String, Object> data, String field) {
        Object value = value(expression, data, field);
        if (value instanceof Boolean bool) {
            return bool;
        }
        throw new TemplateException(field, "the condition must be true or false, but is " + describe(value), null);
    }

    /**
     * The value of {@code expression} over {@code data}, as the template engine sees it (strings,
     * numbers, booleans, maps, lists, or null).
     *
     * @throws TemplateException naming {@code field} when it is not one expression or cannot be evaluated
     */
    public static Object value(String expression, Map<String, Object> data, String field) {
        String error = syntaxError(expression);
        if (error != null) {
            throw new TemplateException(field, error, null);
        }
        try (TemplateBudget.Scope ignored = TemplateBudget.open(TemplateLimits.DEFAULT)) {
            TemplateBudget budget = TemplateBudget.current();
            budget.takeCaptured();
            Templates.renderString(template(inner(expression)), data, field);
            Object value = budget.takeCaptured();
            return value == TemplateBudget.NOTHING_CAPTURED ? null : value;
        }
    }

    /**
     * {@code value} with every string rendered: a string that is exactly one expression becomes the
     * expression's value with its JSON type ({@code "{{ amount * 2 }}"} → {@code 300}), any other is
     * rendered as a template to a string. All strings of {@code value} share one render budget.
     */
    public static JsonNode renderTyped(JsonNode value, Map<String, Object> data, String field) {
        try (TemplateBudget.Scope ignored = TemplateBudget.open(TemplateLimits.DEFAULT)) {
            return typed(value, data, field);
        }
    }

    private static JsonNode typed(JsonNode value, Map<String, Object> data, String field) {
        if (value == null || value.isNull()) {
            return value;
        }
        if (value.isString()) {
            String text = value.stringValue();
            if (isExpression(text)) {
                return Templates.withoutMarkerCharacters(Json.valueToTree(value(text, data, field)));
            }
            return Templates.render(value, data, field);
        }
        if (value.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                out.set(e.getKey(), typed(e.getValue(), data, field + "." + e.getKey()));
            }
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < value.size(); i++) {
                out.add(typed(value.get(i), data, field + "[" + i + "]"));
            }
            return out;
        }
        return value;
    }

    private static String inner(String text) {
        Matcher m = ONE.matcher(text);
        if (!m.matches()) {
            return null;
        }
        String inner = m.group(1);
        return inner.isBlank() || inner.contains("{{") || inner.contains("}}") || inner.contains("{%") || inner.contains("%}") ? null : inner;
    }

    private static String template(String inner) {
        return "{{ (" + inner + ") | " + Sandbox.VALUE_FILTER + " }}";
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        String text = String.valueOf(value);
        String shown = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        String kind = value instanceof CharSequence ? "the string" : value instanceof Number ? "the number"
                : value instanceof Map ? "an object" : value instanceof Iterable ? "a list" : "the value";
        return kind + " " + (value instanceof CharSequence ? "'" + shown + "'" : shown);
    }
}
