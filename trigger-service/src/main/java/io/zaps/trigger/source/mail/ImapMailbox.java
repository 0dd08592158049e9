package io.zaps.trigger.source.mail;

import io.zaps.contract.trigger.EmailTrigger;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.FolderNotFoundException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.util.MailConnectException;

import javax.net.ssl.SSLException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;

/**
 * One IMAP session on one folder, opened read-only (nothing is marked seen, moved or deleted) with a fresh
 * {@link Session}, so nothing holding the password outlives the poll. Jakarta Mail's debug output stays off.
 */
final class ImapMailbox implements AutoCloseable {
    /** A message and its UID. */
    record Entry(long uid, Message message) {}

    private final Store store;
    private final IMAPFolder folder;

    private ImapMailbox(Store store, IMAPFolder folder) {
        this.store = store;
        this.folder = folder;
    }

    /**
     * Logs in and opens the trigger's folder.
     *
     * @throws MailboxException with a message that names the server, user and folder but never the password
     */
    static ImapMailbox open(EmailTrigger trigger, String password, MailProperties properties) throws MailboxException {
        String protocol = "tls".equals(trigger.tls()) ? "imaps" : "imap";
        Session session = Session.getInstance(sessionProperties(trigger, protocol, properties));
        Store store = null;
        try {
            store = session.getStore(protocol);
            store.connect(trigger.host(), trigger.port(), trigger.username(), password);
            Folder folder = store.getFolder(trigger.folder());
            folder.open(Folder.READ_ONLY);
            if (!(folder instanceof IMAPFolder imap)) {
                throw new MessagingException("not an IMAP folder");
            }
            return new ImapMailbox(store, imap);
        } catch (MessagingException e) {
            closeQuietly(store);
            throw new MailboxException(describe(e, trigger, password));
        } catch (RuntimeException e) {
            closeQuietly(store);
            throw new MailboxException(scrub(where(trigger) + ": " + e, password));
        }
    }

    static Properties sessionProperties(EmailTrigger trigger, String protocol, MailProperties properties) {
        Properties props = new Properties();
        String prefix = "mail." + protocol + ".";
        String timeout = Long.toString(properties.timeout().toMillis());
        props.put(prefix + "connectiontimeout", timeout);
        props.put(prefix + "timeout", timeout);
        props.put(prefix + "writetimeout", timeout);
        boolean trusted = properties.trusts(trigger.host());
        props.put(prefix + "ssl.checkserveridentity", Boolean.toString(!trusted));
        if (trusted) {
            props.put(prefix + "ssl.trust", trigger.host());
        }
        if ("starttls".equals(trigger.tls())) {
            props.put(prefix + "starttls.enable", "true");
            props.put(prefix + "starttls.required", "true");
        }
        return props;
    }

    long uidValidity() throws MessagingException {
        return folder.getUIDValidity();
    }

    /** The UID of the last message in the folder now; 0 when it is empty. */
    long lastUid() throws MessagingException {
        int count = folder.getMessageCount();
        return count <= 0 ? 0 : folder.getUID(folder.getMessage(count));
    }

    int messageCount() throws MessagingException {
        return folder.getMessageCount();
    }

    /** At most {@code limit} messages with a UID above {@code uid}, oldest first, with their envelope and structure fetched. */
    List<Entry> after(long uid, int limit) throws MessagingException {
        if (uid >= UIDFolder.MAXUID) {
            return List.of();
        }
        // "UID n:*" always answers the last message, even when its UID is below n: hence the filter.
        Message[] found = folder.getMessagesByUID(uid + 1, UIDFolder.LASTUID);
        List<Entry> entries = new ArrayList<>();
        for (Message message : found) {
            if (message == null) {
                continue;
            }
            long messageUid = folder.getUID(message);
            if (messageUid > uid) {
                entries.add(new Entry(messageUid, message));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::uid));
        List<Entry> page = entries.size() > limit ? entries.subList(0, limit) : entries;
        FetchProfile profile = new FetchProfile();
        profile.add(UIDFolder.FetchProfileItem.UID);
        profile.add(FetchProfile.Item.ENVELOPE);
        profile.add(FetchProfile.Item.CONTENT_INFO);
        folder.fetch(page.stream().map(Entry::message).toArray(Message[]::new), profile);
        return new ArrayList<>(page);
    }

    @Override
    public void close() {
        try {
            if (folder.isOpen()) {
                folder.close(false);
            }
        } catch (MessagingException | RuntimeException ignored) {
            // the store's close below ends the connection either way
        }
        closeQuietly(store);
    }

    private static void closeQuietly(Store store) {
        if (store != null) {
            try {
                store.close();
            } catch (MessagingException | RuntimeException ignored) {
                // nothing more to do with a session that is going away
            }
        }
    }

    /** {@code imap user@host:port/folder}: where, never with what password. */
    static String where(EmailTrigger trigger) {
        return "IMAP " + trigger.username() + "@" + trigger.host() + ":" + trigger.port() + " folder '" + trigger.folder() + "'";
    }

    /** What went wrong, for the log: the server's own words where it gave any, without the password. */
    static String describe(Exception e, EmailTrigger trigger, String password) {
        String server = trigger.host() + ":" + trigger.port();
        String text;
        if (e instanceof AuthenticationFailedException) {
            text = "login to IMAP server " + server + " as '" + trigger.username() + "' failed: " + message(e);
        } else if (e instanceof FolderNotFoundException) {
            text = "folder '" + trigger.folder() + "' does not exist on IMAP server " + server + " (user '" + trigger.username() + "')";
        } else if (e instanceof MailConnectException || causedBy(e, java.net.ConnectException.class)
                || causedBy(e, java.net.UnknownHostException.class)) {
            text = "cannot connect to IMAP server " + server + ": " + rootMessage(e);
        } else if (causedBy(e, SocketTimeoutException.class)) {
            text = "timed out talking to IMAP server " + server;
        } else if (causedBy(e, SSLException.class)) {
            text = "TLS error with IMAP server " + server + ": " + rootMessage(e) + " (a self-signed certificate needs zaps.trigger.mail.ssl-trust)";
        } else {
            text = where(trigger) + ": " + message(e);
        }
        return scrub(text, password);
    }

    /** {@code text} with every occurrence of {@code secret} hidden (a server might echo what it was sent). */
    static String scrub(String text, String secret) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, "****");
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.strip();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return message(root);
    }
}
