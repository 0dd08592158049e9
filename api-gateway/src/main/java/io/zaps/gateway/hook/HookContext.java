package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The run context of an inbound webhook: {@code {"body", "headers", "query", "method", "received_at"}}. Pure: no I/O.
 *
 * <ul>
 *   <li>{@code body}: JSON ({@code application/json}, {@code application/*+json}) as parsed (any JSON value);
 *       {@code application/x-www-form-urlencoded} as an object of its fields; anything else as text (the
 *       {@code charset} of the content type, else UTF-8); {@code null} when the body is empty. Multipart bodies
 *       are refused.</li>
 *   <li>{@code headers}: lower-case name to value, repeated headers joined with {@code ", "}; the webhook's own
 *       authentication headers and other credentials are left out ({@link #CREDENTIAL_HEADERS}).</li>
 *   <li>{@code query} and form fields: name to value; a name given more than once maps to an array of its values.</li>
 * </ul>
 */
final class HookContext {
    /** Headers never copied into a run, whatever the webhook's own header: they hold credentials of some kind. */
    static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie", "x-api-key");
    static final String FORM = "application/x-www-form-urlencoded";

    private HookContext() {}

    /** A body or query that cannot be read; {@code field} names the part ({@code body}, {@code query}). */
    static final class UnreadableException extends RuntimeException {
        private final String field;
        private final boolean unsupportedType;

        UnreadableException(String field, String message, boolean unsupportedType) {
            super(message, null, false, false);
            this.field = field;
            this.unsupportedType = unsupportedType;
        }

        String field() {
            return field;
        }

        /** True when the content type is not accepted at all (415), else the content is malformed (400). */
        boolean unsupportedType() {
            return unsupportedType;
        }
    }

    /**
     * @param method      the HTTP method
     * @param headers     every request header with its values, in any case
     * @param excluded    lower-case names of headers to leave out (the webhook's token or signature and timestamp)
     * @param rawQuery    the query string as received (still percent-encoded), or null
     * @param contentType the {@code Content-Type}, or null
     * @param body        the raw body
     * @param receivedAt  when the gateway received the request
     * @throws UnreadableException when the body or the query cannot be read
     */
    static ObjectNode build(String method, Map<String, List<String>> headers, Set<String> excluded, String rawQuery,
                            String contentType, byte[] body, Instant receivedAt) {
        ObjectNode context = Json.object();
        context.set("body", body(contentType, body));
        context.set("headers", headers(headers, excluded));
        context.set("query", fields(rawQuery == null ? "" : rawQuery, StandardCharsets.UTF_8, "query"));
        context.put("method", method);
        context.put("received_at", receivedAt.toString());
        return context;
    }

    private static JsonNode body(String contentType, byte[] body) {
        if (body.length == 0) {
            return JsonNodeFactory.instance.nullNode();
        }
        String mediaType = mediaType(contentType);
        Charset charset = charset(contentType);
        if (mediaType.equals("application/json") || mediaType.endsWith("+json")) {
            try {
                return Json.mapper().readTree(body);
            } catch (JacksonException e) {
                throw new UnreadableException("body", "the body is not valid JSON: " + firstLine(e.getOriginalMessage()), false);
            }
        }
        if (mediaType.startsWith("multipart/")) {
            throw new UnreadableException("body", "multipart bodies are not accepted: send JSON, " + FORM + " or text", true);
        }
        String text = decode(body, charset);
        return mediaType.equals(FORM) ? fields(text, charset, "body") : JsonNodeFactory.instance.stringNode(text);
    }

    private static ObjectNode headers(Map<String, List<String>> headers, Set<String> excluded) {
        ObjectNode result = Json.object();
        headers.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (excluded.contains(lower) || CREDENTIAL_HEADERS.contains(lower) || values.isEmpty()) {
                return;
            }
            JsonNode known = result.get(lower);
            String joined = String.join(", ", values);
            result.put(lower, known == null ? joined : known.stringValue() + ", " + joined);
        });
        return result;
    }

    /** {@code a=1&b=2&a=3} to {@code {"a": ["1", "3"], "b": "2"}}; {@code +} is a space, percent escapes in {@code charset}. */
    static ObjectNode fields(String encoded, Charset charset, String field) {
        ObjectNode result = Json.object();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), charset);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), charset);
            } catch (IllegalArgumentException e) {
                throw new UnreadableException(field, "the " + field + " is not valid form encoding: " + e.getMessage(), false);
            }
            JsonNode known = result.get(name);
            if (known == null) {
                result.put(name, value);
            } else if (known.isArray()) {
                ((ArrayNode) known).add(value);
            } else {
                ArrayNode values = result.putArray(name);
                values.add(known.stringValue());
                values.add(value);
            }
        }
        return result;
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static Charset charset(String contentType) {
        if (contentType != null) {
            for (String parameter : contentType.split(";")) {
                String p = parameter.strip();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    String name = p.substring(8).strip().replace("\"", "");
                    try {
                        return Charset.forName(name);
                    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                        throw new UnreadableException("body", "unknown charset '" + name + "' in the Content-Type", true);
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static String decode(byte[] body, Charset charset) {
        try {
            return charset.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new UnreadableException("body", "the body is not text in " + charset.name()
                    + ": send JSON, " + FORM + " or text (binary bodies are not accepted)", true);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
