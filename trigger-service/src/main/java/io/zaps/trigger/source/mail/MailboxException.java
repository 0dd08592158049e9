package io.zaps.trigger.source.mail;

/**
 * A poll of a mailbox failed (login refused, server unreachable, folder missing, secret missing, ...). The message is
 * safe to log: it names the server, user and folder, never the password, and carries no cause that could.
 */
final class MailboxException extends Exception {
    MailboxException(String message) {
        super(message, null, false, false);
    }
}
