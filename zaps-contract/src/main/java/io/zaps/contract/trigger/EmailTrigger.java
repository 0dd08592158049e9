package io.zaps.contract.trigger;

/**
 * {@code {"type": "email", "host": "imap.example.com", "username": "invoices@example.com",
 * "password": "{{ secret('imap') }}"}}: every new message in an IMAP folder starts one run. Dedup is by the
 * folder's UIDVALIDITY and the message UID ({@link #eventId}).
 *
 * @param host                IMAP server
 * @param port                default 993 for {@code tls}, 143 otherwise
 * @param tls                 {@code tls} (implicit, default), {@code starttls} (required) or {@code none}
 * @param username            login
 * @param passwordSecret      the credential-store name the {@code password} reference points to
 * @param folder              default {@code INBOX}
 * @param fromFilter          only messages whose From contains this (case-insensitive), or null
 * @param subjectFilter       only messages whose Subject contains this (case-insensitive), or null
 * @param pollSeconds         how often the folder is checked (default 30)
 */
public record EmailTrigger(String host, int port, String tls, String username, String passwordSecret, String folder,
                           String fromFilter, String subjectFilter, int pollSeconds) implements TriggerSpec {
    public static final String TYPE = "email";
    public static final int DEFAULT_POLL_SECONDS = 30;

    @Override
    public String type() {
        return TYPE;
    }

    /** The event id of the run for one message: the mailbox, the folder's UIDVALIDITY and the UID name it for good. */
    public static String eventId(String workflowId, String host, String username, String folder, long uidValidity, long uid) {
        return "imap:" + workflowId + ":" + username + "@" + host + "/" + folder + ":" + uidValidity + ":" + uid;
    }
}
