package io.zaps.connector.email;

import io.zaps.contract.step.EmailSpec;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An email step's rendered config ({@link EmailSpec}), read strictly: rendering may have produced
 * values the definition-time validation could not see (an empty recipient, a malformed address).
 * {@link #toString()} leaves the password out: this record must never be logged with it.
 */
record EmailConfig(
        String host,
        int port,
        Tls tls,
        String username,
        String password,
        InternetAddress from,
        List<InternetAddress> to,
        List<InternetAddress> cc,
        List<InternetAddress> bcc,
        InternetAddress replyTo,
        String subject,
        String text,
        String html,
        int timeoutSeconds) {

    static final int DEFAULT_TIMEOUT_SECONDS = 30;
    static final int MAX_TIMEOUT_SECONDS = 300;

    enum Tls {
        /** Plain connection upgraded with STARTTLS, which the server must offer. */
        STARTTLS(587),
        /** TLS from the first byte ("SMTPS"). */
        TLS(465),
        /** No encryption; only for local test servers. */
        NONE(25);

        final int defaultPort;

        Tls(int defaultPort) {
            this.defaultPort = defaultPort;
        }
    }

    /** The config cannot be used; permanent. */
    static final class InvalidConfigException extends Exception {
        InvalidConfigException(String message) {
            super("invalid email config: " + message);
        }
    }

    static EmailConfig from(ObjectNode config) throws InvalidConfigException {
        if (config == null) {
            throw new InvalidConfigException("config is missing");
        }
        Tls tls = tls(config.get("tls"));
        String username = optionalString(config, "username");
        String password = optionalString(config, "password");
        if ((username == null) != (password == null)) {
            throw new InvalidConfigException("username and password go together");
        }
        List<InternetAddress> to = addresses(config, "to", true);
        String text = optionalString(config, "text");
        String html = optionalString(config, "html");
        if (text == null && html == null) {
            throw new InvalidConfigException("text or html is required");
        }
        return new EmailConfig(
                requiredString(config, "host"),
                port(config.get("port"), tls),
                tls, username, password,
                single(config, "from", true),
                to,
                addresses(config, "cc", false),
                addresses(config, "bcc", false),
                single(config, "reply_to", false),
                requiredString(config, "subject"),
                text, html,
                timeout(config.get("timeout_seconds")));
    }

    /** Every recipient, in the order to, cc, bcc. */
    List<InternetAddress> recipients() {
        List<InternetAddress> all = new ArrayList<>(to);
        all.addAll(cc);
        all.addAll(bcc);
        return all;
    }

    @Override
    public String toString() {
        return "EmailConfig[host=" + host + ", port=" + port + ", tls=" + tls + ", username=" + username
                + ", password=" + (password == null ? "null" : "(hidden)") + ", from=" + from + ", to=" + to
                + ", cc=" + cc + ", bcc=" + bcc + ", subject=" + subject + "]";
    }

    private static Tls tls(JsonNode node) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return Tls.STARTTLS;
        }
        if (node.isString()) {
            for (Tls tls : Tls.values()) {
                if (tls.name().equalsIgnoreCase(node.stringValue().trim())) {
                    return tls;
                }
            }
        }
        throw new InvalidConfigException("tls must be one of " + EmailSpec.TLS_MODES.stream().sorted().toList());
    }

    private static int port(JsonNode node, Tls tls) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return tls.defaultPort;
        }
        if (!node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > 65535) {
            throw new InvalidConfigException("port must be an integer from 1 to 65535");
        }
        return node.intValue();
    }

    private static int timeout(JsonNode node) throws InvalidConfigException {
        if (node == null || node.isNull()) {
            return DEFAULT_TIMEOUT_SECONDS;
        }
        if (!node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > MAX_TIMEOUT_SECONDS) {
            throw new InvalidConfigException("timeout_seconds must be an integer from 1 to " + MAX_TIMEOUT_SECONDS);
        }
        return node.intValue();
    }

    private static String requiredString(ObjectNode config, String field) throws InvalidConfigException {
        String value = optionalString(config, field);
        if (value == null || value.isBlank()) {
            throw new InvalidConfigException(field + " is required");
        }
        return value;
    }

    private static String optionalString(ObjectNode config, String field) throws InvalidConfigException {
        JsonNode node = config.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw new InvalidConfigException(field + " must be a string");
        }
        return node.stringValue();
    }

    private static InternetAddress single(ObjectNode config, String field, boolean required) throws InvalidConfigException {
        String value = required ? requiredString(config, field) : optionalString(config, field);
        if (value == null || value.isBlank()) {
            return null;
        }
        List<InternetAddress> parsed = parse(field, value);
        if (parsed.size() != 1) {
            throw new InvalidConfigException(field + " must be one address (was '" + value + "')");
        }
        return parsed.get(0);
    }

    /** A string (possibly "a@x, b@y") or a list of strings; blank entries are errors, not skipped. */
    private static List<InternetAddress> addresses(ObjectNode config, String field, boolean required) throws InvalidConfigException {
        JsonNode node = config.get(field);
        List<InternetAddress> result = new ArrayList<>();
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidConfigException(field + " is required");
            }
            return result;
        }
        if (node.isString()) {
            result.addAll(parse(field, node.stringValue()));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                if (!item.isString()) {
                    throw new InvalidConfigException(field + "[" + i + "] must be a string");
                }
                result.addAll(parse(field + "[" + i + "]", item.stringValue()));
            }
        } else {
            throw new InvalidConfigException(field + " must be a string or a list of strings");
        }
        if (result.isEmpty() && required) {
            throw new InvalidConfigException(field + " has no address");
        }
        return result;
    }

    private static List<InternetAddress> parse(String field, String value) throws InvalidConfigException {
        if (value.isBlank()) {
            throw new InvalidConfigException(field + " is blank");
        }
        try {
            InternetAddress[] parsed = InternetAddress.parse(value, true);
            for (InternetAddress address : parsed) {
                address.validate();
                // Header injection: a name or address with a line break could add headers.
                if (address.toString().contains("\r") || address.toString().contains("\n")) {
                    throw new AddressException("contains a line break");
                }
            }
            return List.of(parsed);
        } catch (AddressException e) {
            throw new InvalidConfigException(field + " '" + value + "' is not a valid address: " + e.getMessage());
        }
    }

    /** The domain of the sender, for the Message-ID; lower case, letters, digits, dots and dashes. */
    String senderDomain() {
        String address = from.getAddress();
        int at = address.lastIndexOf('@');
        String domain = at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "");
        return domain.isEmpty() ? "zaps.invalid" : domain;
    }
}
