package io.zaps.trigger.source.mail;

import io.zaps.contract.Json;
import io.zaps.store.AttachmentStore;
import io.zaps.store.StoreException;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * Turns one received message into a run's trigger context:
 * <pre>
 * {"from": "alice@example.com", "to": ["invoices@example.com"], "cc": [], "subject": "...",
 *  "date": "2026-01-02T03:04:05Z", "message_id": "&lt;...&gt;", "text": "...", "html": null,
 *  "attachments": [{"filename": "invoice.pdf", "content_type": "application/pdf", "size": 1234, "ref": "sha256:..."}]}
 * </pre>
 * Attachment bytes go to the {@link AttachmentStore}, never into the context: an attachment larger than the
 * per-attachment cap, or than what is left of the per-message cap, is listed with {@code skipped: "too large"}, no ref,
 * and as {@code size} what the server reports for the part (its encoded size). Bodies longer than the cap are cut and
 * flagged ({@code text_truncated}, {@code html_truncated}).
 *
 * <p>Reads the message lazily: over IMAP each part is fetched only when it is read here.
 */
final class MessageContent {
    /** The most recipients listed per header and attachments per message (the context must fit into one Kafka record). */
    static final int MAX_ADDRESSES = 100;
    static final int MAX_ATTACHMENTS = 100;
    static final String SKIPPED_TOO_LARGE = "too large";
    private static final int MAX_FILENAME = 255;
    private static final int MAX_NESTING = 20;

    private final AttachmentStore store;
    private final MailProperties properties;

    MessageContent(AttachmentStore store, MailProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    /** The From header as shown (names and addresses), for the from filter; null when there is none. */
    static String fromHeader(Message message) throws MessagingException {
        try {
            Address[] from = message.getFrom();
            if (from == null || from.length == 0) {
                return null;
            }
            List<String> shown = new ArrayList<>();
            for (Address address : from) {
                shown.add(address instanceof InternetAddress internet ? internet.toUnicodeString() : address.toString());
            }
            return String.join(", ", shown);
        } catch (AddressException e) {
            return rawHeader(message, "From");
        }
    }

    /** The context of {@code message}; stores its attachments. */
    ObjectNode read(Message message) throws MessagingException, IOException {
        ObjectNode context = Json.object();
        List<String> from = addresses(message, "From", () -> message.getFrom());
        context.put("from", from.isEmpty() ? null : from.get(0));
        putAll(context.putArray("to"), addresses(message, "To", () -> message.getRecipients(Message.RecipientType.TO)));
        putAll(context.putArray("cc"), addresses(message, "Cc", () -> message.getRecipients(Message.RecipientType.CC)));
        context.put("subject", message.getSubject());
        Date date = message.getSentDate() != null ? message.getSentDate() : message.getReceivedDate();
        context.put("date", date == null ? null : date.toInstant().toString());
        context.put("message_id", message instanceof MimeMessage mime ? mime.getMessageID() : rawHeader(message, "Message-ID"));

        Walk walk = new Walk();
        walk.visit(message, 0);
        context.put("text", walk.text == null ? null : walk.text.toString());
        if (walk.textTruncated) {
            context.put("text_truncated", true);
        }
        context.put("html", walk.html == null ? null : walk.html.toString());
        if (walk.htmlTruncated) {
            context.put("html_truncated", true);
        }
        ArrayNode list = context.putArray("attachments");
        walk.attachments.forEach(list::add);
        if (walk.attachmentsOmitted > 0) {
            context.put("attachments_omitted", walk.attachmentsOmitted);
        }
        return context;
    }

    /** One pass over the MIME tree: the first plain and HTML bodies (later inline ones appended), then attachments. */
    private final class Walk {
        StringBuilder text;
        StringBuilder html;
        boolean textTruncated;
        boolean htmlTruncated;
        final List<ObjectNode> attachments = new ArrayList<>();
        int attachmentsOmitted;
        long storedBytes;

        void visit(Part part, int depth) throws MessagingException, IOException {
            if (depth > MAX_NESTING) {
                return;
            }
            if (part.isMimeType("multipart/*")) {
                Object content = part.getContent();
                if (content instanceof Multipart multipart) {
                    for (int i = 0; i < multipart.getCount(); i++) {
                        visit(multipart.getBodyPart(i), depth + 1);
                    }
                    return;
                }
            }
            String filename = filename(part);
            boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || filename != null
                    || part.isMimeType("message/rfc822");
            if (!attachment && part.isMimeType("text/plain")) {
                text = append(text, part);
                textTruncated |= text.length() > properties.maxBodyChars();
                text.setLength(Math.min(text.length(), properties.maxBodyChars()));
            } else if (!attachment && part.isMimeType("text/html")) {
                html = append(html, part);
                htmlTruncated |= html.length() > properties.maxBodyChars();
                html.setLength(Math.min(html.length(), properties.maxBodyChars()));
            } else if (attachments.size() >= MAX_ATTACHMENTS) {
                attachmentsOmitted++;
            } else {
                attachments.add(store(part, filename));
            }
        }

        private StringBuilder append(StringBuilder sb, Part part) throws MessagingException, IOException {
            StringBuilder out = sb == null ? new StringBuilder() : sb.append('\n');
            int room = properties.maxBodyChars() + 1 - out.length();
            if (room > 0) {
                out.append(text(part, room));
            }
            return out;
        }

        private ObjectNode store(Part part, String filename) throws MessagingException {
            ObjectNode entry = Json.object();
            entry.put("filename", filename != null ? filename
                    : part.isMimeType("message/rfc822") ? "message-" + (attachments.size() + 1) + ".eml"
                    : "attachment-" + (attachments.size() + 1));
            entry.put("content_type", baseType(part));
            long limit = Math.min(properties.maxAttachmentBytes().toBytes(), properties.maxMessageAttachmentBytes().toBytes() - storedBytes);
            int declared = part.getSize();
            // An encoded part (base64: 4/3, plus line breaks) this much larger than the limit cannot decode to less.
            if (limit <= 0 || (declared > 0 && declared > limit * 7 / 5 + 1024)) {
                return tooLarge(entry, declared);
            }
            try (CappedInputStream in = new CappedInputStream(part.getInputStream(), limit)) {
                String ref = store.put(in);
                entry.put("size", in.count());
                entry.put("ref", ref);
                storedBytes += in.count();
                return entry;
            } catch (StoreException e) {
                if (e.getCause() instanceof TooLarge) {
                    return tooLarge(entry, declared);
                }
                throw e;
            } catch (IOException e) {
                throw new MessagingException("cannot read attachment '" + entry.get("filename").stringValue() + "': " + e.getMessage(), e);
            }
        }

        private ObjectNode tooLarge(ObjectNode entry, int declared) {
            entry.put("size", declared >= 0 ? Long.valueOf(declared) : null);
            entry.put("skipped", SKIPPED_TOO_LARGE);
            return entry;
        }
    }

    /** Up to {@code maxChars} characters of a text part, decoded with its charset (UTF-8 when unknown). */
    private static String text(Part part, int maxChars) throws MessagingException, IOException {
        Charset charset = StandardCharsets.UTF_8;
        try {
            String name = new ContentType(part.getContentType()).getParameter("charset");
            if (name != null) {
                charset = Charset.forName(MimeUtility.javaCharset(name));
            }
        } catch (ParseException | IllegalArgumentException e) {
            // unknown or malformed charset: read it as UTF-8
        }
        try (InputStream in = part.getInputStream()) {
            // a character takes at most 4 bytes in any charset mail uses
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8L, maxChars * 4L));
            String s = new String(bytes, charset);
            return s.length() > maxChars ? s.substring(0, maxChars) : s;
        }
    }

    private static String baseType(Part part) throws MessagingException {
        try {
            return new ContentType(part.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
        } catch (ParseException | NullPointerException e) {
            return "application/octet-stream";
        }
    }

    /** The part's file name, decoded, without any folder part; null when it has none. */
    static String filename(Part part) {
        String name;
        try {
            name = part.getFileName();
        } catch (MessagingException e) {
            return null;
        }
        if (name == null || name.isBlank()) {
            return null;
        }
        try {
            name = MimeUtility.decodeText(name);
        } catch (UnsupportedEncodingException e) {
            // keep it encoded
        }
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).strip();
        name = name.replaceAll("\\p{Cntrl}", "");
        if (name.isEmpty()) {
            return null;
        }
        return name.length() > MAX_FILENAME ? name.substring(0, MAX_FILENAME) : name;
    }

    private interface AddressSource {
        Address[] get() throws MessagingException;
    }

    /** The addresses of a header (plain {@code local@domain}); the raw header when it does not parse. */
    private static List<String> addresses(Message message, String header, AddressSource source) throws MessagingException {
        List<String> out = new ArrayList<>();
        Address[] addresses;
        try {
            addresses = source.get();
        } catch (AddressException e) {
            String raw = rawHeader(message, header);
            return raw == null ? out : List.of(raw);
        }
        if (addresses != null) {
            for (Address address : addresses) {
                if (out.size() >= MAX_ADDRESSES) {
                    break;
                }
                out.add(address instanceof InternetAddress internet ? internet.getAddress() : address.toString());
            }
        }
        return out;
    }

    private static String rawHeader(Message message, String name) throws MessagingException {
        String[] values = message.getHeader(name);
        if (values == null || values.length == 0) {
            return null;
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(values[0])).strip();
        } catch (UnsupportedEncodingException e) {
            return values[0].strip();
        }
    }

    private static void putAll(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    /** Thrown by {@link CappedInputStream} past its limit; the store then drops what it wrote. */
    static final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("more than " + limit + " bytes");
        }
    }

    /** Counts what passes and fails with {@link TooLarge} past {@code limit} bytes. */
    static final class CappedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        CappedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            counted(skipped);
            return skipped;
        }

        private void counted(long n) throws TooLarge {
            count += n;
            if (count > limit) {
                throw new TooLarge(limit);
            }
        }
    }
}
