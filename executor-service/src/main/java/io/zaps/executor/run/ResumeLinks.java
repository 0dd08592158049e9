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
 * URL unguessable, an HMAC-SHA256 under a key the shell passes in (random per executor process). The state
 * machine stays a pure function of its inputs (no randomness in a decision).
 *
 * <p><b>Run-scoped URLs</b> ({@link #runUrl}, since run start): the token is the HMAC of (run id, step id), so
 * it can be made before the step runs. A run records the URL of each of its {@code wait_for_event} steps in its
 * snapshot when it starts ({@code resume_urls}), where templates of every step read it
 * ({@code {{ run.resume_urls.approve }}}, an email before the wait), and the step copies that recorded URL into
 * its output whenever it waits. Why not an attempt in the token, as before: the link is sent before the step's
 * attempt exists, and an email step before the wait is not sent again when {@code retry_run} makes the wait
 * start again as attempt n+1, so the mailed link must resume that wait too. Each wait still resumes once (the
 * step then no longer waits); the same URL resumes the step again only after someone with an API key retried
 * the run. A child run (a loop iteration, a branch) has its own run id, so its own URLs. Because the URL is
 * recorded, never recomputed, a new key (a restarted executor, another instance taking over the partition)
 * changes nothing for runs already started.
 *
 * <p><b>Attempt-scoped URLs</b> ({@link #url}): runs started before run-scoped URLs existed have no
 * {@code resume_urls}; their waits keep making a URL per attempt (HMAC of run id, step id and attempt), recorded
 * in the step's output when the wait starts. The two token inputs cannot collide (different line counts).
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
        return hmac(runId + "\n" + stepId + "\n" + attempt);
    }

    private String hmac(String input) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JVM", e);
        }
    }

    /**
     * The run-scoped token of step {@code stepId} of run {@code runId}: 43 base64url characters, valid for every
     * wait of that step in that run (see the class comment).
     */
    public String runToken(String runId, String stepId) {
        return hmac(runId + "\n" + stepId);
    }

    /** The run-scoped resume URL of step {@code stepId} of run {@code runId}, with its {@link #runToken}. */
    public String runUrl(String runId, String stepId) {
        return WaitForEventSpec.resumeUrl(publicUrl, runId, stepId, runToken(runId, stepId));
    }

    /** The resume URL of that attempt, with its token. */
    public String url(String runId, String stepId, int attempt) {
        return WaitForEventSpec.resumeUrl(publicUrl, runId, stepId, token(runId, stepId, attempt));
    }
}
