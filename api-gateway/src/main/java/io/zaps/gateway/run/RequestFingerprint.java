package io.zaps.gateway.run;

import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What an {@code Idempotency-Key} is bound to: a SHA-256 over the trigger's source and its context in a canonical
 * form (object keys sorted, so {@code {"a":1,"b":2}} and {@code {"b":2,"a":1}} are the same request).
 */
final class RequestFingerprint {
    private RequestFingerprint() {}

    static String of(String source, JsonNode context) {
        StringBuilder canonical = new StringBuilder(source == null ? "" : source).append('\n');
        append(canonical, context);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    private static void append(StringBuilder out, JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
            fields.sort(Map.Entry.comparingByKey());
            out.append('{');
            for (Map.Entry<String, JsonNode> field : fields) {
                out.append(tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(field.getKey())).append(':');
                append(out, field.getValue());
                out.append(',');
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (JsonNode item : node) {
                append(out, item);
                out.append(',');
            }
            out.append(']');
        } else if (node.isNumber()) {
            // 1, 1.0 and 1e0 are one number
            out.append(node.decimalValue().stripTrailingZeros().toPlainString());
        } else {
            out.append(node);
        }
    }
}
