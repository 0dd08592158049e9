package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HookContextTest {
    private static final Instant AT = Instant.parse("2026-03-01T12:00:00.123Z");

    private static ObjectNode build(String contentType, String body) {
        return build(contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode build(String contentType, byte[] body) {
        return HookContext.build("POST", Map.of(), Set.of(), null, contentType, body, AT);
    }

    @Test
    void aJsonBodyIsParsedWhateverItsShape() {
        ObjectNode context = build("application/json; charset=utf-8", "{\"order\": {\"id\": 42, \"paid\": true}}");
        assertThat(context.get("body")).isEqualTo(Json.mapper().readTree("{\"order\": {\"id\": 42, \"paid\": true}}"));
        assertThat(build("application/vnd.shop+json", "[1, 2]").get("body").size()).isEqualTo(2);
        assertThat(build("application/json", "\"just text\"").get("body").stringValue()).isEqualTo("just text");
        assertThat(context.get("method").stringValue()).isEqualTo("POST");
        assertThat(context.get("received_at").stringValue()).isEqualTo("2026-03-01T12:00:00.123Z");
        assertThat(context.get("query").isEmpty()).isTrue();
        assertThat(context.get("headers").isEmpty()).isTrue();
    }

    @Test
    void malformedJsonIsRefusedNamingTheBody() {
        assertThatThrownBy(() -> build("application/json", "{\"order\": "))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> {
                    assertThat(e.field()).isEqualTo("body");
                    assertThat(e.unsupportedType()).isFalse();
                    assertThat(e.getMessage()).startsWith("the body is not valid JSON");
                });
    }

    @Test
    void formFieldsBecomeAnObjectAndRepeatedNamesAnArray() {
        JsonNode body = build("application/x-www-form-urlencoded", "name=Jane+Doe&tag=a&email=jane%40example.org&tag=b&tag=c&flag").get("body");
        assertThat(body).isEqualTo(Json.mapper().readTree(
                "{\"name\": \"Jane Doe\", \"tag\": [\"a\", \"b\", \"c\"], \"email\": \"jane@example.org\", \"flag\": \"\"}"));
        assertThatThrownBy(() -> build("application/x-www-form-urlencoded", "a=%zz"))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> assertThat(e.field()).isEqualTo("body"));
    }

    @Test
    void anythingElseIsTextInItsCharset() {
        assertThat(build("text/plain", "hello, world").get("body").stringValue()).isEqualTo("hello, world");
        assertThat(build(null, "no type").get("body").stringValue()).isEqualTo("no type");
        assertThat(build("text/plain; charset=ISO-8859-1", "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1)).get("body").stringValue())
                .isEqualTo("caf\u00e9");
        assertThat(build("application/xml", "<a>1</a>").get("body").stringValue()).isEqualTo("<a>1</a>");
    }

    @Test
    void anEmptyBodyIsNull() {
        assertThat(build("application/json", new byte[0]).get("body").isNull()).isTrue();
        assertThat(build(null, new byte[0]).get("body").isNull()).isTrue();
    }

    @Test
    void binaryAndMultipartBodiesAreUnsupported() {
        assertThatThrownBy(() -> build("application/octet-stream", new byte[]{(byte) 0xff, (byte) 0xfe, 0, 1}))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> assertThat(e.unsupportedType()).isTrue());
        assertThatThrownBy(() -> build("multipart/form-data; boundary=x", "--x--"))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> assertThat(e.unsupportedType()).isTrue());
        assertThatThrownBy(() -> build("text/plain; charset=no-such-charset", "x"))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> assertThat(e.unsupportedType()).isTrue());
    }

    @Test
    void headersAreLowerCasedJoinedAndCleanedOfCredentials() {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Content-Type", List.of("application/json"));
        headers.put("X-Shop-Event", List.of("order.paid"));
        headers.put("Accept", List.of("text/plain", "application/json"));
        headers.put("X-Zaps-Signature", List.of("sha256=abc"));
        headers.put("X-Zaps-Timestamp", List.of("1700000000"));
        headers.put("Authorization", List.of("Bearer other-system"));
        headers.put("Cookie", List.of("session=1"));
        headers.put("X-API-Key", List.of("k"));
        headers.put("Proxy-Authorization", List.of("Basic x"));
        ObjectNode context = HookContext.build("POST", headers, Set.of("x-zaps-signature", "x-zaps-timestamp"), null, "application/json",
                "{}".getBytes(StandardCharsets.UTF_8), AT);
        assertThat(context.get("headers")).isEqualTo(Json.mapper().readTree(
                "{\"content-type\": \"application/json\", \"x-shop-event\": \"order.paid\", \"accept\": \"text/plain, application/json\"}"));
    }

    @Test
    void theQueryIsDecoded() {
        ObjectNode context = HookContext.build("POST", Map.of(), Set.of(), "source=shop&id=7&id=8&note=a%20b+c", null, new byte[0], AT);
        assertThat(context.get("query")).isEqualTo(Json.mapper().readTree("{\"source\": \"shop\", \"id\": [\"7\", \"8\"], \"note\": \"a b c\"}"));
        assertThatThrownBy(() -> HookContext.build("POST", Map.of(), Set.of(), "a=%", null, new byte[0], AT))
                .isInstanceOfSatisfying(HookContext.UnreadableException.class, e -> assertThat(e.field()).isEqualTo("query"));
    }
}
