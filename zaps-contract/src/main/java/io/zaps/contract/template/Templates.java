package io.zaps.contract.template;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import io.zaps.contract.Json;
import io.zaps.contract.trigger.SecretRef;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
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
 *
 * <p>{@code {{ secret('name') }}} — on its own between the braces, anywhere in a string — renders to the
 * {@link SecretMarkers marker} of that secret, which the connector replaces with the stored value; the value
 * never passes through here. Data cannot forge a marker: the marker characters are removed from every
 * other expression's output and from whole-path values. The reference is swapped for a placeholder holding
 * a random nonce of its render before Pebble sees the template, and only that placeholder becomes a marker
 * after rendering, so no filter, tag or escaping trick applied to data can produce one either.
 *
 * <p>Bounded: only the tags in {@link Sandbox#ALLOWED_TAGS} exist (no template loading, no macros), and
 * every render runs within {@link TemplateLimits} (loop iterations, the size of every string, list and
 * number it computes and of its output, and time). A render that would exceed one fails with a
 * {@link TemplateException} saying which, as does a template nested too deeply to parse or evaluate.
 */
public final class Templates {
    private static final PebbleEngine ENGINE = engine(true);
    /** Templates with a secret reference carry a fresh nonce per render: caching them would only grow the cache. */
    private static final PebbleEngine UNCACHED = engine(false);
    private static final SecureRandom NONCES = new SecureRandom();

    /** {@code {{ secret('name') }}}, the only form a secret may be referenced in. */
    private static final Pattern SECRET_EXPRESSION = Pattern.compile(
            "\\{\\{\\s*secret\\(\\s*(['\"])(" + SecretRef.NAME.pattern() + ")\\1\\s*\\)\\s*}}");
    private static final Pattern EXPRESSION = Pattern.compile("\\{\\{.*?}}|\\{%.*?%}", Pattern.DOTALL);
    private static final Pattern SECRET_CALL = Pattern.compile("\\bsecret\\s*\\(");
    private static final String PLACEHOLDER = "zaps-secret-";
    /** A tag's name where it opens: {@code {% name} or {@code {%- name}. */
    private static final Pattern TAG = Pattern.compile("\\{%-?\\s*([A-Za-z_]+)");

    private static final Pattern WHOLE_PATH = Pattern.compile(
            "^\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_-]+|\\[\\d+])*)\\s*}}$");
    private static final Pattern PATH_PART = Pattern.compile("\\.([A-Za-z0-9_-]+)|\\[(\\d+)]|^([A-Za-z_][A-Za-z0-9_]*)");

    private Templates() {}

    private static PebbleEngine engine(boolean cached) {
        return new PebbleEngine.Builder()
                .loader(new StringLoader())
                .autoEscaping(false)
                .strictVariables(true)
                .newLineTrimming(false)
                .methodAccessValidator((object, method) -> false)
                .registerExtensionCustomizer(Sandbox::new)
                .maxRenderedSize(TemplateLimits.DEFAULT.maxChars())
                .cacheActive(cached)
                .build();
    }

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
            Prepared prepared = prepare(template, "0");
            (prepared.names().isEmpty() ? ENGINE : UNCACHED).getTemplate(prepared.template());
            return null;
        } catch (RefusedConstruct e) {
            return e.getMessage();
        } catch (PebbleException e) {
            return e.getPebbleMessage() == null ? e.getMessage() : e.getPebbleMessage();
        } catch (StackOverflowError e) {
            return TOO_DEEP;
        }
    }

    private static final String TOO_DEEP = "the template is nested too deeply";

    /** @throws RefusedConstruct (as any refused construct) naming the first tag Zaps does not allow */
    private static void refuseTags(String template) {
        Matcher tag = TAG.matcher(template);
        while (tag.find()) {
            String name = tag.group(1);
            String opened = name.startsWith("end") ? name.substring(3) : name;
            if (Sandbox.REFUSED_TAGS.contains(name) || Sandbox.REFUSED_TAGS.contains(opened)) {
                throw new RefusedConstruct("the {% " + opened + " %} tag is not allowed in Zaps templates (allowed: "
                        + String.join(", ", new java.util.TreeSet<>(allowedTags())) + ")");
            }
        }
    }

    private static List<String> allowedTags() {
        List<String> tags = new ArrayList<>(Sandbox.ALLOWED_TAGS);
        tags.add("verbatim");
        return tags;
    }

    /** The names of the secrets {@code template} references, in order of appearance. */
    public static List<String> secretNames(String template) {
        List<String> names = new ArrayList<>();
        if (template != null && template.contains("secret")) {
            Matcher m = SECRET_EXPRESSION.matcher(template);
            while (m.find()) {
                names.add(m.group(2));
            }
        }
        return names;
    }

    /**
     * Renders every string inside {@code value} against {@code data}; {@code field} names the value
     * in errors (e.g. {@code config.body}).
     */
    public static JsonNode render(JsonNode value, Map<String, Object> data, String field) {
        return render(value, data, field, TemplateLimits.DEFAULT);
    }

    /** {@link #render(JsonNode, Map, String)} within {@code limits}, spent by all the strings of {@code value} together. */
    public static JsonNode render(JsonNode value, Map<String, Object> data, String field, TemplateLimits limits) {
        try (TemplateBudget.Scope ignored = TemplateBudget.open(limits)) {
            return renderNode(value, data, field);
        }
    }

    private static JsonNode renderNode(JsonNode value, Map<String, Object> data, String field) {
        if (value == null || value.isNull()) {
            return value;
        }
        if (value.isString()) {
            return renderToNode(value.stringValue(), data, field);
        }
        if (value.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                out.set(e.getKey(), renderNode(e.getValue(), data, field + "." + e.getKey()));
            }
            return out;
        }
        if (value.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (int i = 0; i < value.size(); i++) {
                out.add(renderNode(value.get(i), data, field + "[" + i + "]"));
            }
            return out;
        }
        return value;
    }

    /**
     * Renders one template string to a string: secret references become {@link SecretMarkers markers}, and the marker
     * characters are removed from everything else an expression outputs.
     */
    public static String renderString(String template, Map<String, Object> data, String field) {
        if (!isTemplate(template)) {
            return template;
        }
        try (TemplateBudget.Scope ignored = TemplateBudget.open(TemplateLimits.DEFAULT)) {
            return renderBounded(template, data, field);
        } catch (StackOverflowError e) {
            throw new TemplateException(field, TOO_DEEP, null);
        }
    }

    private static String renderBounded(String template, Map<String, Object> data, String field) {
        Prepared prepared;
        try {
            prepared = prepare(template, HexFormat.of().formatHex(nonce()));
        } catch (RefusedConstruct e) {
            throw new TemplateException(field, e.getMessage(), null);
        }
        try {
            PebbleTemplate compiled = (prepared.names().isEmpty() ? ENGINE : UNCACHED).getTemplate(prepared.template());
            StringWriter out = new StringWriter();
            compiled.evaluate(out, data);
            String rendered = prepared.finish(out.toString());
            TemplateBudget.current().output(rendered.length());
            return rendered;
        } catch (PebbleException e) {
            String message = reason(e);
            // The cause's own message may quote the prepared template, nonce included: kept only without secrets.
            throw new TemplateException(field, prepared.hidePlaceholders(message), prepared.names().isEmpty() ? e : null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What went wrong, in words: Pebble wraps what fails inside an operator or an {@code if} in its own
     * "could not perform ..." exception, so a bound that was hit or a variable that does not exist is
     * looked for down the causes first.
     */
    private static String reason(PebbleException e) {
        PebbleException innermost = e;
        for (Throwable cause = e; cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause instanceof TemplateBudget.LimitExceeded limit) {
                return limit.getPebbleMessage();
            }
            if (cause instanceof io.pebbletemplates.pebble.error.AttributeNotFoundException missing) {
                return message(missing);
            }
            if (cause instanceof PebbleException pebble) {
                innermost = pebble;
            }
        }
        String message = message(innermost);
        Throwable cause = innermost.getCause();
        return cause != null && !(cause instanceof PebbleException) && cause.getMessage() != null
                ? message + " (" + cause.getMessage() + ")" : message;
    }

    private static String message(PebbleException e) {
        return e.getPebbleMessage() == null ? e.getMessage() : e.getPebbleMessage();
    }

    private static JsonNode renderToNode(String template, Map<String, Object> data, String field) {
        Matcher whole = WHOLE_PATH.matcher(template);
        if (whole.matches()) {
            Object resolved = resolve(whole.group(1), data, field);
            return withoutMarkerCharacters(Json.valueToTree(resolved));
        }
        return JsonNodeFactory.instance.stringNode(renderString(template, data, field));
    }

    /** A whole-path value is data: every string and key in it loses the marker characters. */
    static JsonNode withoutMarkerCharacters(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isString()) {
            String text = node.stringValue();
            String clean = SecretMarkers.strip(text);
            return clean.equals(text) ? node : JsonNodeFactory.instance.stringNode(clean);
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(SecretMarkers.strip(e.getKey()), withoutMarkerCharacters(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) {
                out.add(withoutMarkerCharacters(item));
            }
            return out;
        }
        return node;
    }

    private static byte[] nonce() {
        byte[] nonce = new byte[16];
        NONCES.nextBytes(nonce);
        return nonce;
    }

    /**
     * {@code template} with each {@code {{ secret('name') }}} replaced by the plain-text placeholder
     * {@code zaps-secret-<nonce>-<i>-}: Pebble copies it like any text, and {@link Prepared#finish} turns exactly these
     * into markers.
     *
     * @throws RefusedConstruct when {@code secret(} appears in an expression in any other form
     */
    private static Prepared prepare(String template, String nonce) {
        if (template.contains("{%")) {
            refuseTags(template);
        }
        if (!template.contains("secret")) {
            return new Prepared(template, nonce, List.of());
        }
        List<String> names = new ArrayList<>();
        Matcher m = SECRET_EXPRESSION.matcher(template);
        StringBuilder out = new StringBuilder(template.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(PLACEHOLDER + nonce + "-" + names.size() + "-"));
            names.add(m.group(2));
        }
        m.appendTail(out);
        Matcher expression = EXPRESSION.matcher(out);
        while (expression.find()) {
            if (SECRET_CALL.matcher(expression.group()).find()) {
                throw new RefusedConstruct("secret() may only be used on its own, as {{ secret('name') }} with a quoted name matching "
                        + SecretRef.NAME.pattern() + " (found " + SecretMarkers.strip(expression.group()) + ")");
            }
        }
        return new Prepared(out.toString(), nonce, List.copyOf(names));
    }

    /** A template ready for Pebble, and the secrets its placeholders stand for (by index). */
    private record Prepared(String template, String nonce, List<String> names) {
        /** The rendered text: marker characters removed from everything but the placeholders, which become markers. */
        String finish(String rendered) {
            if (names.isEmpty()) {
                return SecretMarkers.strip(rendered);
            }
            Matcher m = placeholder().matcher(rendered);
            StringBuilder out = new StringBuilder(rendered.length());
            int last = 0;
            while (m.find()) {
                out.append(SecretMarkers.strip(rendered.substring(last, m.start())));
                out.append(SecretMarkers.marker(names.get(Integer.parseInt(m.group(1)))));
                last = m.end();
            }
            out.append(SecretMarkers.strip(rendered.substring(last)));
            return out.toString();
        }

        /** An error message shows the reference, never the nonce (which would let data forge a marker). */
        String hidePlaceholders(String message) {
            if (names.isEmpty() || message == null) {
                return message;
            }
            Matcher m = placeholder().matcher(message);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement("{{ secret('" + names.get(Integer.parseInt(m.group(1))) + "') }}"));
            }
            m.appendTail(out);
            return out.toString();
        }

        private Pattern placeholder() {
            return Pattern.compile(Pattern.quote(PLACEHOLDER + nonce + "-") + "(\\d+)-");
        }
    }

    /** A construct templates may not use: {@code secret(} other than as {@code {{ secret('name') }}}, a refused tag. */
    private static final class RefusedConstruct extends RuntimeException {
        RefusedConstruct(String message) {
            super(message, null, false, false);
        }
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
