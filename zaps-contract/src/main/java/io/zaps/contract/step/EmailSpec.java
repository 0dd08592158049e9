package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code email}: sends one message through SMTP.
 * <ul>
 *   <li>{@code host} (required), {@code port} (default 587 for starttls, 465 for tls, 25 for none)</li>
 *   <li>{@code tls}: {@code starttls} (default, required by the client), {@code tls} (implicit TLS) or {@code none}</li>
 *   <li>{@code username}, {@code password}: both or neither; the password is a reference to the credential store,
 *       {@code {{ secret('smtp_password') }}}, never a literal (the connector resolves it)</li>
 *   <li>{@code from} (required), {@code to} (required), {@code cc}, {@code bcc}, {@code reply_to}: addresses, templates</li>
 *   <li>{@code subject} (required), {@code text} and/or {@code html} (at least one): templates</li>
 *   <li>{@code timeout_seconds}: 1 to 300, default 30</li>
 * </ul>
 * An SMTP rejection fails the step with the server's reply. Output: {@code {"message_id", "accepted"}}.
 */
public final class EmailSpec implements StepSpec {
    public static final String TYPE = "email";
    public static final Set<String> TLS_MODES = Set.of("starttls", "tls", "none");
    public static final int DEFAULT_TIMEOUT_SECONDS = 30;
    public static final int MAX_TIMEOUT_SECONDS = 300;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean external() {
        return true;
    }

    @Override
    public int defaultTimeoutSeconds() {
        return DEFAULT_TIMEOUT_SECONDS;
    }

    @Override
    public ObjectNode redact(ObjectNode config) {
        if (config == null || !config.has("password")) {
            return config;
        }
        ObjectNode copy = config.deepCopy();
        copy.put("password", REDACTED);
        return copy;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of(
                "host", "port", "tls", "username", "password", "from", "to", "cc", "bcc", "reply_to",
                "subject", "text", "html", "timeout_seconds"));
        checks.templateString("host", true);
        checks.integer("port", false, 1, 65535, 587);
        checks.oneOf("tls", TLS_MODES);
        checks.templateString("username", false);
        checks.secretReference("password", false, "smtp_password");
        if (checks.has("username") != checks.has("password")) {
            checks.violation(checks.has("username") ? "password" : "username", "username and password go together");
        }
        checks.templateString("from", true);
        checks.stringOrList("to", true);
        checks.stringOrList("cc", false);
        checks.stringOrList("bcc", false);
        checks.templateString("reply_to", false);
        checks.templateString("subject", true);
        checks.templateString("text", false);
        checks.templateString("html", false);
        if (!checks.has("text") && !checks.has("html")) {
            checks.violation("text", "text or html is required");
        }
        checks.integer("timeout_seconds", false, 1, MAX_TIMEOUT_SECONDS, DEFAULT_TIMEOUT_SECONDS);
    }
}
