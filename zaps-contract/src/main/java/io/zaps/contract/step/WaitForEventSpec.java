package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code wait_for_event}: {@code {"key": "{{ order_id }}", "timeout_seconds": 86400, "on_timeout": "fail"}}.
 * The run waits durably, in the executor, until it is resumed: by a {@code POST} to the step's
 * {@code resume_url} (shown in its output while it waits; the JSON body becomes the output), or by an
 * event whose correlation key is the rendered {@code key} ({@code POST /api/events} or a record on
 * {@link io.zaps.contract.Topics#EVENTS}; its {@code data} becomes the output). After
 * {@code timeout_seconds} (1 to 31,536,000, default 86,400) it fails ({@code on_timeout: fail}, the
 * default) or succeeds with {@code {"timed_out": true}} ({@code continue}). Run by the executor, never retried.
 */
public final class WaitForEventSpec implements StepSpec {
    public static final String TYPE = "wait_for_event";
    public static final long MAX_TIMEOUT_SECONDS = 365L * 24 * 3600;
    public static final long DEFAULT_TIMEOUT_SECONDS = 86_400;
    public static final String ON_TIMEOUT_FAIL = "fail";
    public static final String ON_TIMEOUT_CONTINUE = "continue";
    /** The longest correlation key, in characters. */
    public static final int MAX_KEY_LENGTH = 256;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("key", "timeout_seconds", "on_timeout"));
        String key = checks.templateString("key", true);
        if (key != null && key.contains("secret(")) {
            checks.violation("key", "cannot use secret(): the key is recorded in the run");
        }
        checks.integer("timeout_seconds", false, 1, MAX_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS);
        checks.oneOf("on_timeout", Set.of(ON_TIMEOUT_FAIL, ON_TIMEOUT_CONTINUE));
    }

    /**
     * Why {@code key} cannot be a correlation key, or {@code null} when it can: 1 to {@value #MAX_KEY_LENGTH}
     * characters, no control characters (the executor stores subscriptions under the key followed by a
     * NUL). Checked on the rendered key of a step and on every event.
     */
    public static String keyProblem(String key) {
        if (key == null || key.isEmpty()) {
            return "must not be empty";
        }
        if (key.length() > MAX_KEY_LENGTH) {
            return "must be at most " + MAX_KEY_LENGTH + " characters (was " + key.length() + ")";
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            return "must not contain control characters";
        }
        return null;
    }

    /** The query parameter of a resume URL that carries its token. */
    public static final String TOKEN_PARAMETER = "token";

    /**
     * The resume URL of step {@code stepId} of run {@code runId} under the gateway at
     * {@code publicUrl}: {@code <public url>/hooks/runs/<run id>/steps/<step id>/resume?token=<token>}.
     * Run and step ids need no escaping (a UUID, {@link io.zaps.contract.Ids#SAFE_ID}); the token is base64url.
     */
    public static String resumeUrl(String publicUrl, String runId, String stepId, String token) {
        String base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        return base + "/hooks/runs/" + runId + "/steps/" + stepId + "/resume?" + TOKEN_PARAMETER + "=" + token;
    }

    /** The token of a resume URL made by {@link #resumeUrl}, or {@code null} when it has none. */
    public static String tokenOf(String resumeUrl) {
        if (resumeUrl == null) {
            return null;
        }
        int at = resumeUrl.lastIndexOf("?" + TOKEN_PARAMETER + "=");
        return at < 0 ? null : resumeUrl.substring(at + TOKEN_PARAMETER.length() + 2);
    }
}
