package io.zaps.connector.email;

import io.zaps.connector.net.OutboundAddressPolicy;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.util.MailConnectException;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends one message over SMTP with a fresh {@link Session} per call: nothing that holds the
 * password outlives the call, and no session-wide default is shared between steps or contexts.
 * Failures come out as {@link SendFailure}, classified: SMTP 4xx, connection problems and timeouts
 * are retryable; SMTP 5xx, authentication failures, TLS problems and bad addresses are not.
 */
final class SmtpSender {
    private static final Pattern REPLY_CODE = Pattern.compile("(?:response: |^)([2-5]\\d\\d)[ -]");

    private final EmailProperties properties;
    private final OutboundAddressPolicy policy;

    SmtpSender(EmailProperties properties) {
        this(properties, OutboundAddressPolicy.of(properties.deniedCidrs(), properties.denyPrivateNetworks(), "zaps.email"));
    }

    /**
     * @param policy checks the SMTP host before connecting: cloud-metadata and link-local addresses are always refused,
     *               configured blocks too. (The host is resolved again when connecting, as in the webhook connector.)
     */
    SmtpSender(EmailProperties properties, OutboundAddressPolicy policy) {
        this.properties = properties;
        this.policy = policy;
    }

    /** Why a message was not sent; the message never contains the password. */
    static final class SendFailure extends Exception {
        private final boolean retryable;

        SendFailure(String message, boolean retryable) {
            super(message);
            this.retryable = retryable;
        }

        boolean retryable() {
            return retryable;
        }
    }

    /** What the server took. */
    record Sent(String messageId, List<String> accepted) {
    }

    Sent send(EmailConfig config, String idempotencyKey, Date sentAt) throws SendFailure {
        Session session = Session.getInstance(sessionProperties(config));
        String server = config.host() + ":" + config.port();
        try {
            policy.check(config.host());
        } catch (OutboundAddressPolicy.DeniedTargetException e) {
            // Where the server is comes from the workflow: a denied address is a matter of config, not worth retrying.
            throw new SendFailure("SMTP server " + server + " refused: " + e.getMessage() + " (zaps.email.denied-cidrs)", false);
        } catch (java.net.UnknownHostException e) {
            throw new SendFailure("cannot resolve SMTP server " + config.host() + ": " + e.getMessage(), true);
        }
        try {
            MimeMessage message = EmailMessages.compose(session, config, idempotencyKey, sentAt);
            InternetAddress[] recipients = config.recipients().toArray(InternetAddress[]::new);
            try (Transport transport = session.getTransport("smtp")) {
                transport.connect(config.host(), config.port(), config.username(), config.password());
                transport.sendMessage(message, recipients);
            }
            List<String> accepted = new ArrayList<>();
            for (InternetAddress recipient : recipients) {
                accepted.add(recipient.getAddress());
            }
            return new Sent(message.getMessageID(), accepted);
        } catch (MessagingException e) {
            SendFailure failure = classify(e, server, config.timeoutSeconds());
            throw new SendFailure(scrub(failure.getMessage(), config.password()), failure.retryable());
        }
    }

    Properties sessionProperties(EmailConfig config) {
        Properties props = new Properties();
        String timeout = Long.toString(config.timeoutSeconds() * 1000L);
        props.put("mail.smtp.host", config.host());
        props.put("mail.smtp.port", Integer.toString(config.port()));
        props.put("mail.smtp.connectiontimeout", timeout);
        props.put("mail.smtp.timeout", timeout);
        props.put("mail.smtp.writetimeout", timeout);
        props.put("mail.smtp.from", config.from().getAddress());
        props.put("mail.smtp.auth", Boolean.toString(config.username() != null));
        boolean trusted = trusted(config.host());
        // A host listed in zaps.email.ssl-trust is taken as it is: a self-signed certificate names no host either.
        props.put("mail.smtp.ssl.checkserveridentity", Boolean.toString(!trusted));
        if (trusted) {
            props.put("mail.smtp.ssl.trust", config.host());
        }
        switch (config.tls()) {
            case STARTTLS -> {
                props.put("mail.smtp.starttls.enable", "true");
                props.put("mail.smtp.starttls.required", "true");
            }
            case TLS -> props.put("mail.smtp.ssl.enable", "true");
            case NONE -> {
            }
        }
        if (properties.ehloName() != null && !properties.ehloName().isBlank()) {
            props.put("mail.smtp.localhost", properties.ehloName());
        }
        return props;
    }

    private boolean trusted(String host) {
        if (properties.sslTrust() == null || properties.sslTrust().isBlank()) {
            return false;
        }
        for (String entry : properties.sslTrust().trim().split("[\\s,]+")) {
            if (entry.equals("*") || entry.equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }

    static SendFailure classify(MessagingException failure, String server, int timeoutSeconds) {
        List<Throwable> chain = chain(failure);
        for (Throwable t : chain) {
            if (t instanceof AuthenticationFailedException) {
                return new SendFailure("SMTP authentication failed at " + server + ": " + message(t), false);
            }
        }
        // Every reply the server gave, e.g. one per rejected recipient; one permanent rejection makes the
        // whole send permanent, since retrying would meet it again.
        List<String> replies = new ArrayList<>();
        boolean permanent = false;
        boolean any = false;
        Set<String> seen = new LinkedHashSet<>();
        for (Throwable t : chain) {
            int code = 0;
            String command = null;
            if (t instanceof SMTPAddressFailedException e) {
                code = e.getReturnCode();
                command = e.getCommand();
            } else if (t instanceof SMTPSenderFailedException e) {
                code = e.getReturnCode();
                command = e.getCommand();
            } else if (t instanceof SMTPSendFailedException e) {
                code = e.getReturnCode();
                command = ".".equals(e.getCommand()) ? "DATA" : e.getCommand();
            }
            if (code >= 400 && code < 600) {
                String reply = command + ": " + message(t).trim();
                if (seen.add(reply)) {
                    replies.add(reply);
                }
                permanent |= code >= 500;
                any = true;
            }
        }
        if (any) {
            return new SendFailure("SMTP server " + server + " rejected the message: " + String.join("; ", replies), !permanent);
        }
        for (Throwable t : chain) {
            if (t instanceof SocketTimeoutException) {
                return new SendFailure("timed out after " + timeoutSeconds + "s talking to SMTP server " + server, true);
            }
            if (t instanceof SSLHandshakeException) {
                return new SendFailure("TLS handshake with SMTP server " + server + " failed: " + message(t)
                        + " (a self-signed certificate needs zaps.email.ssl-trust)", false);
            }
        }
        if (failure instanceof MailConnectException) {
            return new SendFailure("cannot connect to SMTP server " + server + ": " + rootMessage(failure), true);
        }
        String text = message(failure);
        Matcher reply = REPLY_CODE.matcher(text);
        if (reply.find()) {
            // e.g. "Got bad greeting from SMTP host: ..., response: 421 busy"
            int code = Integer.parseInt(reply.group(1));
            return new SendFailure("SMTP server " + server + ": " + text, code < 500);
        }
        for (Throwable t : chain) {
            if (t instanceof SSLException) {
                return new SendFailure("TLS error with SMTP server " + server + ": " + message(t), false);
            }
            if (t instanceof IOException) {
                return new SendFailure("I/O error talking to SMTP server " + server + ": " + message(t), true);
            }
        }
        // e.g. "STARTTLS is required but host does not support STARTTLS": a matter of config.
        return new SendFailure("SMTP server " + server + ": " + text, false);
    }

    private static List<Throwable> chain(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>(List.of(failure));
        while (!todo.isEmpty()) {
            Throwable t = todo.poll();
            if (t == null || !seen.add(t)) {
                continue;
            }
            chain.add(t);
            if (t instanceof MessagingException m && m.getNextException() != null) {
                todo.add(m.getNextException());
            }
            if (t.getCause() != null) {
                todo.add(t.getCause());
            }
        }
        return chain;
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().trim();
    }

    private static String rootMessage(Throwable failure) {
        List<Throwable> chain = chain(failure);
        return message(chain.get(chain.size() - 1));
    }

    /** Belt and braces: a server that echoes what it was sent must not put the password into a run. */
    static String scrub(String message, String password) {
        if (password == null || password.length() < 4) {
            return message;
        }
        return message.replace(password, "****");
    }
}
