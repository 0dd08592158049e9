package io.zaps.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Which run an idempotency key started, on the (shared) data folder:
 * <pre>
 * &lt;data&gt;/idempotency/&lt;workflow_id&gt;/&lt;sha256(key)&gt;.json                {run_id, created_at}
 * &lt;data&gt;/idempotency/&lt;workflow_id&gt;/&lt;sha256(key)&gt;.&lt;run_id&gt;.next     the entry that replaced run_id's
 * </pre>
 * The key itself never becomes a path (only its hash does), and the workflow id is checked against
 * {@link Ids#SAFE_ID}. Claims are decided by exclusive creates (hard links), so concurrent callers,
 * also gateways in other processes on the same folder, agree on one run per key. Thread-safe.
 */
public final class IdempotencyStore {
    private static final int MAX_ATTEMPTS = 16;

    private final Path root;

    /**
     * One key's entry.
     *
     * @param runId     the run the key started
     * @param createdAt when the key was first used
     */
    public record Entry(@JsonProperty("run_id") String runId, @JsonProperty("created_at") Instant createdAt,
                        @JsonProperty("request_hash") @com.fasterxml.jackson.annotation.JsonInclude(
                                com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String requestHash) {
        /** An entry without a request fingerprint (entries written before fingerprints existed read as such). */
        public Entry(String runId, Instant createdAt) {
            this(runId, createdAt, null);
        }

        /** Whether {@code otherHash} fingerprints a different request than the one that made this entry. */
        public boolean conflictsWith(String otherHash) {
            return requestHash != null && otherHash != null && !requestHash.equals(otherHash);
        }
    }

    /**
     * The outcome of {@link #claim}.
     *
     * @param entry   the entry now in force for the key
     * @param created true when it is the caller's candidate: the caller must start that run; false when
     *                another caller's run holds the key and is to be answered instead
     */
    public record Claim(Entry entry, boolean created) {}

    public IdempotencyStore(Path dataDir) {
        try {
            this.root = Files.createDirectories(dataDir.toAbsolutePath().normalize().resolve("idempotency"));
        } catch (IOException e) {
            throw new StoreException("cannot create the idempotency folder under " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** The entry for {@code key} on {@code workflowId}, expired or not. */
    public Optional<Entry> find(String workflowId, String key) {
        return readEntry(entryFile(workflowDir(workflowId), hash(key)));
    }

    /**
     * Makes {@code candidate} the key's entry unless an entry is in force. An existing entry for which
     * {@code replaceable} holds (expired, abandoned) is replaced atomically; of several callers
     * replacing the same entry, exactly one wins: the one that exclusively creates its successor marker.
     */
    public Claim claim(String workflowId, String key, Entry candidate, Predicate<Entry> replaceable) {
        if (!Ids.isRunId(candidate.runId()) || candidate.createdAt() == null) {
            throw new IllegalArgumentException("not a valid entry: " + candidate);
        }
        Path dir = workflowDir(workflowId);
        String name = hash(key);
        Path file = entryFile(dir, name);
        byte[] bytes = Json.toBytes(candidate);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Entry> current = readEntry(file);
            if (current.isEmpty()) {
                if (createExclusive(dir, file, bytes)) {
                    return new Claim(candidate, true);
                }
                continue; // another caller created it in between: look at theirs
            }
            Entry existing = current.get();
            if (!replaceable.test(existing)) {
                return new Claim(existing, false);
            }
            // The marker is named after the entry being replaced, so only one caller can replace it; it stays
            // behind so that a caller still holding the old entry cannot replace its successor later.
            Path marker = child(dir, name + "." + existing.runId() + ".next");
            if (createExclusive(dir, marker, bytes)) {
                FileStore.replace(file, bytes);
                deleteOtherMarkers(dir, name, marker);
                return new Claim(candidate, true);
            }
            Optional<Entry> successor = readEntry(marker);
            if (successor.isPresent() && !replaceable.test(successor.get())) {
                return new Claim(successor.get(), false);
            }
        }
        throw new StoreException("could not settle the idempotency key of workflow " + workflowId
                + " after " + MAX_ATTEMPTS + " attempts", null);
    }

    /**
     * Frees the key if it still names {@code runId} (the run could not be started, so a retry with the
     * same key may start a new one). Nobody else replaces an entry in force, so read-then-delete is safe.
     */
    public boolean release(String workflowId, String key, String runId) {
        Path file = entryFile(workflowDir(workflowId), hash(key));
        Optional<Entry> current = readEntry(file);
        if (current.isEmpty() || !current.get().runId().equals(runId)) {
            return false;
        }
        try {
            return Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StoreException("cannot delete " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the entries created more than {@code window} before {@code now} (expired: a claim would
     * replace them anyway), and the successor markers older than {@code window}. An entry is retired
     * the way {@link #claim} replaces one: by exclusively creating its successor marker (holding the
     * expired entry itself) before deleting the file, so a claimant that read the entry just before
     * cannot replace an entry made after the deletion; it finds the marker, reads the file again and
     * either claims the free key or answers the new entry.
     *
     * @return how many entries were deleted
     */
    public int pruneExpired(Instant now, Duration window) {
        Instant cutoff = now.minus(window);
        int deleted = 0;
        try (DirectoryStream<Path> workflows = Files.newDirectoryStream(root)) {
            for (Path dir : workflows) {
                if (!Files.isDirectory(dir) || !Ids.isSafe(dir.getFileName().toString())) {
                    continue;
                }
                deleted += pruneWorkflow(dir, cutoff);
            }
        } catch (IOException e) {
            throw new StoreException("cannot list " + root + ": " + e.getMessage(), e);
        }
        return deleted;
    }

    private static int pruneWorkflow(Path dir, Instant cutoff) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                try {
                    if (name.endsWith(".next") || name.startsWith(".tmp-")) {
                        if (Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                            FileStore.deleteQuietly(file);
                        }
                    } else if (name.endsWith(".json")) {
                        Optional<Entry> entry = readEntry(file);
                        if (entry.isPresent() && entry.get().createdAt().isBefore(cutoff)) {
                            String hash = name.substring(0, name.length() - 5);
                            Path marker = dir.resolve(hash + "." + entry.get().runId() + ".next");
                            if (createExclusive(dir, marker, Json.toBytes(entry.get()))) {
                                FileStore.deleteQuietly(file);
                                deleted++;
                            }
                        }
                    }
                } catch (StoreException | IOException e) {
                    // unreadable or vanished meanwhile: left for the next round
                }
            }
        }
        return deleted;
    }

    // ---------------------------------------------------------------- paths and I/O

    private Path workflowDir(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return child(root, workflowId);
    }

    private Path entryFile(Path dir, String name) {
        return child(dir, name + ".json");
    }

    /** Belt and braces: even a valid-looking name must resolve inside its folder. */
    private Path child(Path dir, String name) {
        Path child = dir.resolve(name).normalize();
        if (!child.startsWith(root) || !child.getParent().equals(dir.normalize())) {
            throw new UnsafeIdException("file name", name);
        }
        return child;
    }

    private static Optional<Entry> readEntry(Path file) {
        Optional<Entry> entry = FileStore.read(file, Entry.class);
        if (entry.isPresent() && (!Ids.isRunId(entry.get().runId()) || entry.get().createdAt() == null)) {
            throw new CorruptFileException(file, new IllegalStateException("no valid run_id and created_at"));
        }
        return entry;
    }

    /** A hard link is created atomically and fails if the name exists: an exclusive create. */
    private static boolean createExclusive(Path dir, Path target, byte[] bytes) {
        Path temp = FileStore.writeTemp(dir, bytes);
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            FileStore.deleteQuietly(temp);
        }
    }

    /**
     * Markers of entries replaced before the one just replaced: only a caller that read such an entry
     * a whole expiry ago and stalled since could still need one.
     */
    private static void deleteOtherMarkers(Path dir, String name, Path keep) {
        try (var files = Files.newDirectoryStream(dir, name + ".*.next")) {
            for (Path marker : files) {
                if (!marker.equals(keep)) {
                    FileStore.deleteQuietly(marker);
                }
            }
        } catch (IOException ignored) {
            // leftover markers are harmless
        }
    }

    static String hash(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("an idempotency key must not be empty");
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
