package io.zaps.gateway.hook;

import io.zaps.contract.trigger.WebhookTrigger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Checks an inbound webhook request against its workflow's secret. Pure: no I/O, the time is passed in.
 *
 * <ul>
 *   <li>{@code token}: the trigger's header must hold the secret value. Both are hashed with SHA-256 and the digests
 *       compared in constant time, so neither the content nor the length of the secret leaks through timing.</li>
 *   <li>{@code hmac}: the trigger's header holds {@code sha256=<hex>} of HMAC-SHA256(secret, {@code "<timestamp>.<raw body>"}),
 *       {@link WebhookTrigger#TIMESTAMP_HEADER} the Unix time in seconds, which must be within the tolerance of
 *       {@code now}. The signature is compared in constant time; whether it was seen before is for the caller to decide
 *       ({@link Accepted#replayKey()}).</li>
 * </ul>
 * Reasons name headers and limits, never a presented or stored value.
 */
final class WebhookAuthenticator {
    static final String SIGNATURE_PREFIX = "sha256=";
    private static final Pattern SIGNATURE = Pattern.compile("sha256=[0-9a-fA-F]{64}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final HexFormat HEX = HexFormat.of();

    private WebhookAuthenticator() {}

    /** The outcome of {@link #check}. */
    sealed interface Verdict permits Accepted, Refused {}

    /**
     * The request is authentic.
     *
     * @param timestamp the signed timestamp (hmac), else null
     * @param replayKey identifies the signature for replay protection (hmac: lower-case hex of the signature), else null
     */
    record Accepted(Long timestamp, String replayKey) implements Verdict {}

    /** The request is not authentic; {@code reason} is safe to answer (no secret, no presented value). */
    record Refused(String reason) implements Verdict {}

    /**
     * @param trigger the workflow's webhook trigger
     * @param secret  the secret's value from the credential store
     * @param header  the request's headers by (case-insensitive) name, null when absent
     * @param body    the raw body bytes, as received
     * @param now     the gateway's clock
     */
    static Verdict check(WebhookTrigger trigger, String secret, Function<String, String> header, byte[] body, Instant now) {
        return trigger.hmac() ? hmac(trigger, secret, header, body, now) : token(trigger, secret, header);
    }

    private static Verdict token(WebhookTrigger trigger, String secret, Function<String, String> header) {
        String presented = header.apply(trigger.header());
        if (presented == null || presented.isEmpty()) {
            return new Refused("the " + trigger.header() + " header is required: it carries this webhook's token");
        }
        if (!MessageDigest.isEqual(sha256(presented.getBytes(StandardCharsets.UTF_8)), sha256(secret.getBytes(StandardCharsets.UTF_8)))) {
            return new Refused("the " + trigger.header() + " header does not hold this webhook's token");
        }
        return new Accepted(null, null);
    }

    private static Verdict hmac(WebhookTrigger trigger, String secret, Function<String, String> header, byte[] body, Instant now) {
        String signature = header.apply(trigger.header());
        if (signature == null || signature.isEmpty()) {
            return new Refused("the " + trigger.header() + " header is required: " + SIGNATURE_PREFIX
                    + "<hex HMAC-SHA256 of \"<timestamp>.<body>\" with this webhook's secret>");
        }
        signature = signature.strip();
        if (!SIGNATURE.matcher(signature).matches()) {
            return new Refused("the " + trigger.header() + " header must be " + SIGNATURE_PREFIX + "<64 hex digits>");
        }
        String timestamp = header.apply(WebhookTrigger.TIMESTAMP_HEADER);
        if (timestamp == null || !TIMESTAMP.matcher(timestamp.strip()).matches()) {
            return new Refused("the " + WebhookTrigger.TIMESTAMP_HEADER + " header is required: the Unix time in seconds that was signed");
        }
        timestamp = timestamp.strip();
        byte[] presented = HEX.parseHex(signature.substring(SIGNATURE_PREFIX.length()));
        if (!MessageDigest.isEqual(presented, sign(secret, timestamp, body))) {
            return new Refused("the " + trigger.header() + " header does not match the body and the "
                    + WebhookTrigger.TIMESTAMP_HEADER + " (expected " + SIGNATURE_PREFIX
                    + "<hex HMAC-SHA256 of \"<timestamp>.<body>\" with this webhook's secret>)");
        }
        long seconds = Long.parseLong(timestamp);
        long skew = Math.abs(now.getEpochSecond() - seconds);
        if (skew > trigger.toleranceSeconds()) {
            return new Refused("the " + WebhookTrigger.TIMESTAMP_HEADER + " is " + skew + " s away from the gateway's clock (at most "
                    + trigger.toleranceSeconds() + " s allowed): sign each delivery with the current time");
        }
        return new Accepted(seconds, HEX.formatHex(presented));
    }

    /** HMAC-SHA256(secret, timestamp + "." + body): what a sender computes. */
    static byte[] sign(String secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
