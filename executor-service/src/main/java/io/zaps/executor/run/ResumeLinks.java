package io.zaps.executor.run;

import io.zaps.contract.step.WaitForEventSpec;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;

/**
 * The resume URLs of {@code wait_for_event} steps: the gateway's public base URL, and the token that makes a
 * URL unguessable, an HMAC-SHA256 of (run id, step id, attempt) under a key the shell passes in. The state
 * machine stays a pure function of its inputs (no randomness in a decision), and a token is recorded in the
 * step's output when the wait starts and compared with that record, so a new key (a restarted executor,
 * another instance taking over the partition) never invalidates the URL of a run already waiting.
 */
public final class ResumeLinks {
    private static final String ALGORITHM = "HmacSHA256";

    private final String publicUrl;
    private final SecretKeySpec key;

    /**
     * @param publicUrl where callers reach the gateway, e.g. {@code https://zaps.example.com}
     * @param key       the HMAC key, at least 32 bytes
     */
    public ResumeLinks(String publicUrl, byte[] key) {
        this.publicUrl = Objects.requireNonNull(publicUrl, "publicUrl");
        if (key == null || key.length < 32) {
            throw new IllegalArgumentException("a resume-token key needs at least 32 bytes");
        }
        this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    }

    /**
     * Links under {@code publicUrl} with a key everybody knows (all zero bytes), so their tokens are guessable:
     * for tests and tools only. The executor's configuration passes a random key of its own.
     */
    public static ResumeLinks withPublicKey(String publicUrl) {
        return new ResumeLinks(publicUrl, new byte[32]);
    }

    /** The token of attempt {@code attempt} of step {@code stepId} of run {@code runId}: 43 base64url characters. */
    public String token(String runId, String stepId, int attempt) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal((runId + "\n" + stepId + "\n" + attempt).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JVM", e);
        }
    }

    /** The resume URL of that attempt, with its token. */
    public String url(String runId, String stepId, int attempt) {
        return WaitForEventSpec.resumeUrl(publicUrl, runId, stepId, token(runId, stepId, attempt));
    }
}
