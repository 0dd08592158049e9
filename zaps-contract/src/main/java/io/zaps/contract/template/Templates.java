package io.zaps.contract.template;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Step config templates, rendered with Pebble (Jinja-like syntax: {@code {{ customer_email }}},
 * {@code {{ steps.fetch.output.body.id }}}, filters such as {@code {{ name | upper }}}).
 *
 * <p>Sandboxed: templates come from strings only, no Java method may be called from a template
 * (only map keys and list indexes are navigated), and a variable that does not exist is an error
 * rather than an empty string. A string that is exactly one variable path, e.g.
 * {@code "{{ amount }}"}, keeps the variable's JSON type (number, object, ...).
 */
public final class Templates {
    private static final PebbleEngine ENGINE = new PebbleEngine.Builder()
            .loader(new StringLoader())
            .autoEscaping(false)
            .strictVariables(true)
            .newLineTrimming(false)
            .methodAccessValidator((object, method) -> false)
            .cacheActive(true)
            .build();

    private static final Pattern WHOLE_PATH = Pattern.compile(
            "^\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_-]+|\\[\\d+])*)\\s*}}$");
    private static final Pattern PATH_PART = Pattern.compile("\\.([A-Za-z0-9_-]+)|\\[(\\d+)]|^([A-Za-z_][A-Za-z0-9_]*)");

    private Templates() {}

    /** Whether {@code value} contains template syntax at all. */
    public static boolean isTemplate(String value) {
        return value != null && (value.contains("{{") || value.contains("{%"));
    }

    /** The syntax error of {@code template}, or {@code null} when it compiles. */
    public static String syntaxError(String template) {
        if (!isTemplate(template)) {
            return null;
        }
        try {
            ENGINE.getTemplate(template);
            return null;
        } catch (PebbleException e) {
            return e.getPebbleMessage() == null ? e.getMessage() : e.getPebbleMessage();
        }
    }

    /**
     * Renders every string inside {@code value} against {@code data}; {@code field} names the value
     * in errors (e.g. {@code config.body}).
     */
    public static JsonNode render(JsonNode value, Map<String, Object> data, String field) {
        if (value == null || value.isNull()) {
            return value;
        }
        if (value.isString()) {
            return renderToNode(value.stringValue(), data, field);
        }
        if (value.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                out.set(e.getKey(), render(e.getValue(), data, field + "." + e.getKey()));
            }
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < value.size(); i++) {
                out.add(render(value.get(i), data, field + "[" + i + "]"));
            }
            return out;
        }
        return value;
    }

    /** Renders one template string to a string. */
    public static String renderString(String template, Map<String, Object> data, String field) {
        if (!isTemplate(template)) {
            return template;
        }
        try {
            PebbleTemplate compiled = ENGINE.getTemplate(template);
            StringWriter out = new StringWriter();
            compiled.evaluate(out, data);
            return out.toString();
        } catch (PebbleException e) {
            throw new TemplateException(field, e.getPebbleMessage() == null ? e.getMessage() : e.getPebbleMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode renderToNode(String template, Map<String, Object> data, String field) {
        Matcher whole = WHOLE_PATH.matcher(template);
        if (whole.matches()) {
            Object resolved = resolve(whole.group(1), data, field);
            return Json.valueToTree(resolved);
        }
        return JsonNodeFactory.instance.stringNode(renderString(template, data, field));
    }

    private static Object resolve(String path, Map<String, Object> data, String field) {
        Object current = data;
        Matcher part = PATH_PART.matcher(path);
        StringBuilder walked = new StringBuilder();
        while (part.find()) {
            String key = part.group(1) != null ? part.group(1) : part.group(3);
            if (key != null) {
                walked.append(walked.length() == 0 ? key : "." + key);
                if (!(current instanceof Map<?, ?> map) || !map.containsKey(key)) {
                    throw new TemplateException(field, "variable '" + walked + "' does not exist", null);
                }
                current = map.get(key);
            } else {
                int index = Integer.parseInt(part.group(2));
                walked.append('[').append(index).append(']');
                if (!(current instanceof List<?> list) || index >= list.size()) {
                    throw new TemplateException(field, "variable '" + walked + "' does not exist", null);
                }
                current = list.get(index);
            }
        }
        return current;
    }
}
