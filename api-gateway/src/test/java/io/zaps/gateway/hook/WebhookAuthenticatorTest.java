package io.zaps.gateway.hook;

import io.zaps.contract.trigger.WebhookTrigger;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookAuthenticatorTest {
    private static final String SECRET = "s3cr3t-value-never-shown";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final byte[] BODY = "{\"order\": 42}".getBytes(StandardCharsets.UTF_8);
    private static final WebhookTrigger TOKEN = new WebhookTrigger("token", "shop", WebhookTrigger.TOKEN_HEADER, 300, "accepted", 30);
    private static final WebhookTrigger HMAC = new WebhookTrigger("hmac", "shop", WebhookTrigger.SIGNATURE_HEADER, 300, "accepted", 30);

    private static Function<String, String> headers(Map<String, String> values) {
        Map<String, String> caseless = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        caseless.putAll(values);
        return caseless::get;
    }

    private static String signature(String secret, long timestamp, byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(WebhookAuthenticator.sign(secret, Long.toString(timestamp), body));
    }

    private static WebhookAuthenticator.Verdict signed(String signature, String timestamp) {
        return WebhookAuthenticator.check(HMAC, SECRET, headers(Map.of("x-zaps-signature", signature, "X-Zaps-Timestamp", timestamp)), BODY, NOW);
    }

    private static String refusal(WebhookAuthenticator.Verdict verdict) {
        assertThat(verdict).isInstanceOf(WebhookAuthenticator.Refused.class);
        String reason = ((WebhookAuthenticator.Refused) verdict).reason();
        assertThat(reason).doesNotContain(SECRET);
        return reason;
    }

    @Test
    void theRightTokenIsAcceptedInAnyHeaderCase() {
        assertThat(WebhookAuthenticator.check(TOKEN, SECRET, headers(Map.of("x-zaps-token", SECRET)), BODY, NOW))
                .isEqualTo(new WebhookAuthenticator.Accepted(null, null));
    }

    @Test
    void aMissingOrWrongTokenIsRefusedWithoutEchoingAnything() {
        assertThat(refusal(WebhookAuthenticator.check(TOKEN, SECRET, headers(Map.of()), BODY, NOW))).contains("X-Zaps-Token header is required");
        assertThat(refusal(WebhookAuthenticator.check(TOKEN, SECRET, headers(Map.of("X-Zaps-Token", "guess")), BODY, NOW)))
                .contains("does not hold").doesNotContain("guess");
        assertThat(refusal(WebhookAuthenticator.check(TOKEN, SECRET, headers(Map.of("X-Zaps-Token", SECRET + "x")), BODY, NOW)))
                .contains("does not hold");
        assertThat(refusal(WebhookAuthenticator.check(TOKEN, SECRET, headers(Map.of("X-Zaps-Token", SECRET.substring(1))), BODY, NOW)))
                .contains("does not hold");
    }

    @Test
    void aCustomHeaderCarriesTheToken() {
        WebhookTrigger custom = new WebhookTrigger("token", "shop", "X-Shop-Auth", 300, "accepted", 30);
        assertThat(WebhookAuthenticator.check(custom, SECRET, headers(Map.of("X-Shop-Auth", SECRET)), BODY, NOW))
                .isInstanceOf(WebhookAuthenticator.Accepted.class);
        assertThat(refusal(WebhookAuthenticator.check(custom, SECRET, headers(Map.of("X-Zaps-Token", SECRET)), BODY, NOW)))
                .contains("X-Shop-Auth");
    }

    @Test
    void aValidSignatureIsAcceptedWithItsTimestampAndReplayKey() {
        long ts = NOW.getEpochSecond() - 10;
        String signature = signature(SECRET, ts, BODY);
        WebhookAuthenticator.Verdict verdict = signed(signature, Long.toString(ts));
        assertThat(verdict).isEqualTo(new WebhookAuthenticator.Accepted(ts, signature.substring(7)));
        // hex digits in upper case are the same signature (and the same replay key)
        assertThat(signed("sha256=" + signature.substring(7).toUpperCase(), Long.toString(ts))).isEqualTo(verdict);
    }

    @Test
    void theSignatureCoversSecretTimestampAndEveryBodyByte() {
        long ts = NOW.getEpochSecond();
        assertThat(refusal(signed(signature("other-secret", ts, BODY), Long.toString(ts)))).contains("does not match");
        assertThat(refusal(signed(signature(SECRET, ts, "{\"order\": 43}".getBytes(StandardCharsets.UTF_8)), Long.toString(ts))))
                .contains("does not match");
        assertThat(refusal(signed(signature(SECRET, ts, BODY), Long.toString(ts - 1)))).contains("does not match");
    }

    @Test
    void malformedOrMissingSignatureAndTimestampAreRefused() {
        String ts = Long.toString(NOW.getEpochSecond());
        String good = signature(SECRET, NOW.getEpochSecond(), BODY);
        assertThat(refusal(WebhookAuthenticator.check(HMAC, SECRET, headers(Map.of("X-Zaps-Timestamp", ts)), BODY, NOW)))
                .contains("X-Zaps-Signature header is required");
        assertThat(refusal(signed(good.substring(7), ts))).contains("must be sha256=<64 hex digits>");
        assertThat(refusal(signed("sha256=" + "zz".repeat(32), ts))).contains("must be sha256=<64 hex digits>");
        assertThat(refusal(signed("sha1=" + "ab".repeat(20), ts))).contains("must be sha256=");
        assertThat(refusal(WebhookAuthenticator.check(HMAC, SECRET, headers(Map.of("X-Zaps-Signature", good)), BODY, NOW)))
                .contains("X-Zaps-Timestamp header is required");
        assertThat(refusal(signed(good, "2026-03-01T12:00:00Z"))).contains("X-Zaps-Timestamp header is required");
        assertThat(refusal(signed(good, "-5"))).contains("X-Zaps-Timestamp header is required");
    }

    @Test
    void theTimestampMustBeWithinTheToleranceEitherWay() {
        for (long offset : new long[]{-300, 300, 0}) {
            long ts = NOW.getEpochSecond() + offset;
            assertThat(signed(signature(SECRET, ts, BODY), Long.toString(ts))).as("offset " + offset)
                    .isInstanceOf(WebhookAuthenticator.Accepted.class);
        }
        long stale = NOW.getEpochSecond() - 301;
        assertThat(refusal(signed(signature(SECRET, stale, BODY), Long.toString(stale))))
                .contains("301 s away from the gateway's clock").contains("at most 300 s");
        long future = NOW.getEpochSecond() + 301;
        assertThat(refusal(signed(signature(SECRET, future, BODY), Long.toString(future)))).contains("301 s away");
    }

    @Test
    void anEmptyBodyCanBeSigned() {
        long ts = NOW.getEpochSecond();
        assertThat(WebhookAuthenticator.check(HMAC, SECRET, headers(Map.of("X-Zaps-Signature", signature(SECRET, ts, new byte[0]),
                "X-Zaps-Timestamp", Long.toString(ts))), new byte[0], NOW)).isInstanceOf(WebhookAuthenticator.Accepted.class);
    }

    @Test
    void theSignatureIsWhatOpensslComputes() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'key' -hex
        assertThat(HexFormat.of().formatHex(WebhookAuthenticator.sign("key", "1700000000", "{\"a\":1}".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03");
    }
}
