package io.zaps.connector.secret;

import io.zaps.connector.StepOutcome;
import io.zaps.contract.step.StepSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Hides the secret values one step attempt was given wherever the attempt's result could carry them: the outcome's
 * output and error, and exceptions. Each value is replaced by {@value StepSpec#REDACTED} as written, URL-encoded and
 * JSON-escaped (a server echoing a header into a JSON body, a URL in an error). Longer values first, so that a secret
 * containing another is hidden whole. A text cut inside a value (an excerpt ending in {@code ...}, a truncated body)
 * would still show its beginning: a prefix of at least {@value #MIN_CUT_PREFIX} characters of a value, at the end of
 * the text or right before {@code ...} or {@code …}, is hidden too.
 */
public final class SecretMask {
    static final int MIN_CUT_PREFIX = 6;
    private final List<String> forms;

    public SecretMask(Collection<String> values) {
        Set<String> all = new LinkedHashSet<>();
        for (String value : values) {
            if (value == null || value.isEmpty()) {
                continue;
            }
            all.add(value);
            all.add(URLEncoder.encode(value, StandardCharsets.UTF_8));
            all.add(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
            String json = JsonNodeFactory.instance.stringNode(value).toString();
            all.add(json.substring(1, json.length() - 1));
        }
        this.forms = all.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** {@code text} with every value replaced. */
    public String mask(String text) {
        if (text == null || forms.isEmpty()) {
            return text;
        }
        String out = text;
        for (String form : forms) {
            if (out.contains(form)) {
                out = out.replace(form, StepSpec.REDACTED);
            }
        }
        for (String form : forms) {
            out = maskCutPrefix(out, form);
        }
        return out;
    }

    /** Hides the longest prefix of {@code form} that ends the text or stands right before an ellipsis. */
    private static String maskCutPrefix(String text, String form) {
        for (int k = form.length() - 1; k >= MIN_CUT_PREFIX; k--) {
            String prefix = form.substring(0, k);
            if (text.endsWith(prefix)) {
                return text.substring(0, text.length() - k) + StepSpec.REDACTED;
            }
            for (String ellipsis : ELLIPSES) {
                if (text.contains(prefix + ellipsis)) {
                    return text.replace(prefix + ellipsis, StepSpec.REDACTED + ellipsis);
                }
            }
        }
        return text;
    }

    private static final List<String> ELLIPSES = List.of("...", "\u2026");

    /** A copy of {@code node} with every string and key masked. */
    public JsonNode mask(JsonNode node) {
        if (node == null || forms.isEmpty()) {
            return node;
        }
        if (node.isString()) {
            String text = node.stringValue();
            String masked = mask(text);
            return masked.equals(text) ? node : JsonNodeFactory.instance.stringNode(masked);
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(mask(e.getKey()), mask(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) {
                out.add(mask(item));
            }
            return out;
        }
        return node;
    }

    /** The outcome with its output and error masked; whether and when to retry is kept. */
    public StepOutcome mask(StepOutcome outcome) {
        if (outcome instanceof StepOutcome.Failed failed) {
            return new StepOutcome.Failed(mask(failed.error()), failed.retryable(), mask(failed.output()), failed.retryAfter());
        }
        if (outcome instanceof StepOutcome.Succeeded succeeded) {
            return new StepOutcome.Succeeded(mask(succeeded.output()));
        }
        return outcome;
    }

    /**
     * {@code e} as an exception that is safe to log and report: the same type name, stack and causes, every message
     * masked.
     */
    public RuntimeException mask(Throwable e) {
        return mask(e, 0);
    }

    private MaskedException mask(Throwable e, int depth) {
        Throwable cause = e.getCause();
        MaskedException masked = new MaskedException(mask(e.toString()),
                cause == null || cause == e || depth >= 16 ? null : mask(cause, depth + 1));
        masked.setStackTrace(e.getStackTrace());
        return masked;
    }

    /** An exception whose message is another's {@code toString()} with the secrets masked. */
    public static final class MaskedException extends RuntimeException {
        MaskedException(String message, Throwable cause) {
            super(message, cause, false, true);
        }

        @Override
        public String toString() {
            return getMessage();
        }
    }
}
