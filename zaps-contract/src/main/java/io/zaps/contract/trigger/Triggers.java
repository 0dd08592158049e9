package io.zaps.contract.trigger;

import io.zaps.contract.Json;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Validates and parses a workflow's {@code trigger} section. Pure: no I/O. */
public final class Triggers {
    /** Kafka's own rule for topic names. */
    public static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Set<String> TYPES = new TreeSet<>(List.of(WebhookTrigger.TYPE, ScheduleTrigger.TYPE, EmailTrigger.TYPE, KafkaTrigger.TYPE));

    private Triggers() {}

    /** The parsed trigger of a stored (hence valid) definition; {@code null} when it has none. */
    public static TriggerSpec parse(ObjectNode trigger) {
        if (trigger == null || trigger.isNull()) {
            return null;
        }
        List<Violation> violations = new ArrayList<>();
        TriggerSpec spec = check(trigger, "trigger", violations);
        if (!violations.isEmpty()) {
            throw new IllegalArgumentException("invalid trigger: " + violations);
        }
        return spec;
    }

    /** Adds every problem of {@code trigger} (at {@code path}) to {@code violations}. */
    public static void validate(ObjectNode trigger, String path, List<Violation> violations) {
        if (trigger != null) {
            check(trigger, path, violations);
        }
    }

    private static TriggerSpec check(ObjectNode node, String path, List<Violation> violations) {
        Fields f = new Fields(node, path, violations);
        String type = f.string("type", true);
        if (type == null) {
            return null;
        }
        return switch (type) {
            case WebhookTrigger.TYPE -> webhook(f);
            case ScheduleTrigger.TYPE -> schedule(f);
            case EmailTrigger.TYPE -> email(f);
            case KafkaTrigger.TYPE -> kafka(f);
            default -> {
                f.add("type", "unknown trigger type '" + type + "' (known: " + TYPES + ")");
                yield null;
            }
        };
    }

    private static WebhookTrigger webhook(Fields f) {
        f.only("type", "auth", "secret", "header", "tolerance_seconds", "respond", "response_timeout_seconds");
        String auth = f.oneOf("auth", true, null, WebhookTrigger.AUTH_TOKEN, WebhookTrigger.AUTH_HMAC);
        String secret = f.secret("secret");
        String header = f.string("header", false);
        if (header != null && !header.matches("[A-Za-z0-9-]{1,100}")) {
            f.add("header", "must be an HTTP header name (letters, digits and '-')");
        }
        int tolerance = (int) f.integer("tolerance_seconds", 1, 3600, WebhookTrigger.DEFAULT_TOLERANCE_SECONDS);
        String respond = f.oneOf("respond", false, WebhookTrigger.RESPOND_ACCEPTED,
                WebhookTrigger.RESPOND_ACCEPTED, WebhookTrigger.RESPOND_ON_COMPLETION);
        int timeout = (int) f.integer("response_timeout_seconds", 1, 120, WebhookTrigger.DEFAULT_RESPONSE_TIMEOUT_SECONDS);
        if (header == null && auth != null) {
            header = WebhookTrigger.AUTH_HMAC.equals(auth) ? WebhookTrigger.SIGNATURE_HEADER : WebhookTrigger.TOKEN_HEADER;
        }
        return new WebhookTrigger(auth, secret, header, tolerance, respond, timeout);
    }

    private static ScheduleTrigger schedule(Fields f) {
        f.only("type", "cron", "timezone", "missed");
        String cron = f.string("cron", true);
        String tz = f.string("timezone", false);
        ZoneId zone = ZoneOffset.UTC;
        if (tz != null) {
            try {
                zone = ZoneId.of(tz);
            } catch (DateTimeException e) {
                f.add("timezone", "unknown time zone '" + tz + "' (use an IANA name such as Europe/Berlin)");
            }
        }
        if (cron != null) {
            try {
                Schedules.of(cron, zone);
            } catch (IllegalArgumentException e) {
                f.add("cron", e.getMessage());
            }
        }
        String missed = f.oneOf("missed", false, ScheduleTrigger.MISSED_FIRE_ONCE,
                ScheduleTrigger.MISSED_FIRE_ONCE, ScheduleTrigger.MISSED_SKIP);
        return new ScheduleTrigger(cron, zone, missed);
    }

    private static EmailTrigger email(Fields f) {
        f.only("type", "host", "port", "tls", "username", "password", "folder", "from_filter", "subject_filter", "poll_seconds");
        String host = f.string("host", true);
        if (host != null && !host.matches("[A-Za-z0-9.:\\[\\]-]{1,253}")) {
            f.add("host", "must be a host name or IP address");
        }
        String tls = f.oneOf("tls", false, "tls", "tls", "starttls", "none");
        int port = (int) f.integer("port", 1, 65535, "tls".equals(tls) ? 993 : 143);
        String username = f.string("username", true);
        String password = f.secret("password");
        String folder = f.string("folder", false);
        String from = f.string("from_filter", false);
        String subject = f.string("subject_filter", false);
        int poll = (int) f.integer("poll_seconds", 1, 86_400, EmailTrigger.DEFAULT_POLL_SECONDS);
        return new EmailTrigger(host, port, tls, username, password, folder == null ? "INBOX" : folder, from, subject, poll);
    }

    private static KafkaTrigger kafka(Fields f) {
        f.only("type", "topic", "start_from");
        String topic = f.string("topic", true);
        if (topic != null) {
            if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                f.add("topic", "must be a Kafka topic name (1 to 249 of letters, digits, '.', '_' and '-')");
            } else if (topic.startsWith("zaps.") || topic.startsWith("__")) {
                f.add("topic", "must not be one of Zaps' or Kafka's internal topics");
            }
        }
        String start = f.oneOf("start_from", false, KafkaTrigger.START_LATEST, KafkaTrigger.START_LATEST, KafkaTrigger.START_EARLIEST);
        return new KafkaTrigger(topic, start);
    }

    /** Field checks on one trigger object; every method only adds violations. */
    private static final class Fields {
        private final ObjectNode node;
        private final String path;
        private final List<Violation> violations;

        Fields(ObjectNode node, String path, List<Violation> violations) {
            this.node = node == null ? Json.object() : node;
            this.path = path;
            this.violations = violations;
        }

        void add(String field, String message) {
            violations.add(new Violation(path + "." + field, message));
        }

        JsonNode get(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value;
        }

        void only(String... allowed) {
            Set<String> names = new TreeSet<>(List.of(allowed));
            for (String name : node.propertyNames()) {
                if (!names.contains(name)) {
                    add(name, "unknown field (allowed: " + String.join(", ", names) + ")");
                }
            }
        }

        String string(String field, boolean required) {
            JsonNode value = get(field);
            if (value == null) {
                if (required) {
                    add(field, "is required");
                }
                return null;
            }
            if (!value.isString() || value.stringValue().isBlank()) {
                add(field, "must be a non-blank string");
                return null;
            }
            if (value.stringValue().length() > 1000) {
                add(field, "must be at most 1000 characters");
                return null;
            }
            return value.stringValue();
        }

        String oneOf(String field, boolean required, String fallback, String... allowed) {
            String value = string(field, required);
            if (value == null) {
                return fallback;
            }
            String lower = value.toLowerCase(Locale.ROOT);
            if (!List.of(allowed).contains(lower)) {
                add(field, "must be one of " + List.of(allowed) + " (was '" + value + "')");
                return fallback;
            }
            return lower;
        }

        long integer(String field, long min, long max, long fallback) {
            JsonNode value = get(field);
            if (value == null) {
                return fallback;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
                add(field, "must be an integer from " + min + " to " + max);
                return fallback;
            }
            return value.longValue();
        }

        /** A required {@code {{ secret('name') }}} reference; returns the name. */
        String secret(String field) {
            String value = string(field, true);
            if (value == null) {
                return null;
            }
            return SecretRef.name(value).orElseGet(() -> {
                add(field, "must be a reference to the credential store, e.g. \"{{ secret('my-secret') }}\" "
                        + "(store the value with PUT /api/secrets/{name}; plain values are not accepted)");
                return null;
            });
        }
    }
}
