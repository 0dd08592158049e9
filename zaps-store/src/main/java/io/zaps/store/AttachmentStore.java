package io.zaps.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Content-addressed attachment bytes on the (shared) data folder:
 * <pre>
 * &lt;data&gt;/attachments/sha256/&lt;64 lower-case hex&gt;
 * </pre>
 * A file is named by the SHA-256 of its bytes and referenced as {@code sha256:<hex>}, so storing the
 * same bytes twice keeps one file, and a ref says exactly which bytes it means. Bytes travel between
 * services as refs, never through Kafka.
 *
 * <p>Writes stream into a temporary file in the same folder while hashing, then rename it into
 * place: a reader sees the whole file or none. A ref is checked against {@link #REF} before it
 * becomes part of a path, so no ref can name a file outside the store. Thread-safe, and safe across
 * processes (two writers of the same bytes write the same file).
 */
public final class AttachmentStore {
    /** The form of a ref: {@code sha256:} and 64 lower-case hex digits. */
    public static final Pattern REF = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final String PREFIX = "sha256:";

    private final Path dir;

    public AttachmentStore(Path dataDir) {
        Path root = dataDir.toAbsolutePath().normalize();
        try {
            this.dir = Files.createDirectories(root.resolve("attachments").resolve("sha256"));
        } catch (IOException e) {
            throw new StoreException("cannot create the attachment folder under " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code ref} is a well-formed ref (it may still name nothing stored). */
    public static boolean isRef(String ref) {
        return ref != null && REF.matcher(ref).matches();
    }

    /** Stores {@code bytes}; returns their ref. */
    public String put(byte[] bytes) {
        return put(new java.io.ByteArrayInputStream(bytes));
    }

    /** Stores everything {@code in} yields (not closed here); returns the ref of those bytes. */
    public String put(InputStream in) {
        Path temp = dir.resolve(".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-" + Thread.currentThread().getId());
        MessageDigest digest = sha256();
        try {
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), digest)) {
                in.transferTo(out);
            }
            String hex = HexFormat.of().formatHex(digest.digest());
            Path target = dir.resolve(hex);
            if (!touch(target)) {
                move(temp, target);
            }
            return PREFIX + hex;
        } catch (IOException e) {
            throw new StoreException("cannot store an attachment in " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
    }

    /**
     * Deletes every attachment not stored since {@code cutoff} (storing the same bytes again counts:
     * {@link #put} refreshes the file's time), and temporary files left behind before then.
     *
     * @return how many attachments were deleted
     */
    public int pruneOlderThan(Instant cutoff) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                try {
                    if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                        boolean attachment = !file.getFileName().toString().startsWith(".");
                        if (Files.deleteIfExists(file) && attachment) {
                            deleted++;
                        }
                    }
                } catch (IOException e) {
                    // vanished or unreadable meanwhile: the next round sees it again
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return deleted;
    }

    /** Marks existing bytes as stored now (retention counts from the last store); false when they are not there. */
    private static boolean touch(Path target) {
        try {
            Files.setLastModifiedTime(target, FileTime.from(Instant.now()));
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return Files.exists(target); // stored, just not touchable (read-only file system): keep it as it is
        }
    }

    /** Whether the bytes of {@code ref} are stored. */
    public boolean exists(String ref) {
        return Files.isRegularFile(file(ref));
    }

    /**
     * The stored bytes' size.
     *
     * @throws AttachmentNotFoundException when nothing is stored under {@code ref}
     */
    public long size(String ref) {
        Path file = file(ref);
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw new AttachmentNotFoundException(ref);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens the stored bytes; the caller closes the stream.
     *
     * @throws AttachmentNotFoundException when nothing is stored under {@code ref}
     */
    public InputStream open(String ref) {
        Path file = file(ref);
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new AttachmentNotFoundException(ref);
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the stored bytes, refusing more than {@code maxBytes}.
     *
     * @throws AttachmentNotFoundException when nothing is stored under {@code ref}
     * @throws AttachmentTooLargeException when the bytes are larger than {@code maxBytes}
     */
    public byte[] read(String ref, long maxBytes) {
        long size = size(ref);
        if (size > maxBytes) {
            throw new AttachmentTooLargeException(ref, size, maxBytes);
        }
        try (InputStream in = open(ref)) {
            // Read at most one byte past the limit: the file may not be the one just measured.
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8L, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new AttachmentTooLargeException(ref, bytes.length, maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new StoreException("cannot read attachment " + ref + ": " + e.getMessage(), e);
        }
    }

    private Path file(String ref) {
        if (!isRef(ref)) {
            throw new UnsafeIdException("attachment ref", ref);
        }
        Path file = dir.resolve(ref.substring(PREFIX.length())).normalize();
        if (!dir.equals(file.getParent())) {
            throw new UnsafeIdException("attachment ref", ref);
        }
        return file;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            // another writer stored the same bytes first
        } catch (AtomicMoveNotSupportedException e) {
            try {
                Files.move(temp, target);
            } catch (FileAlreadyExistsException ignored) {
                // same bytes, stored by someone else
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover ".tmp-" file is never read
        }
    }

    /** Nothing is stored under a (well-formed) ref. */
    public static final class AttachmentNotFoundException extends StoreException {
        public AttachmentNotFoundException(String ref) {
            super("attachment " + ref + " is not stored", null);
        }
    }

    /** The stored bytes are larger than the caller accepts. */
    public static final class AttachmentTooLargeException extends StoreException {
        public AttachmentTooLargeException(String ref, long size, long maxBytes) {
            super("attachment " + ref + " is " + size + " bytes, more than the limit of " + maxBytes, null);
        }
    }
}
