package io.zaps.gateway.hook;

import io.zaps.store.DataFolders;
import io.zaps.contract.Ids;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The signatures of inbound webhooks already accepted, on the (shared) data folder, one folder per minute of the
 * signatures' timestamps:
 * <pre>
 * &lt;data&gt;/webhook-signatures/&lt;workflow_id&gt;/&lt;timestamp / 60&gt;/&lt;timestamp&gt;-&lt;signature hex&gt;    empty marker
 * </pre>
 * A signature is claimed by an exclusive create (a hard link, as in {@link io.zaps.store.IdempotencyStore}), so of
 * two identical requests, also on two gateways sharing the folder, exactly one is accepted. A marker is needed only
 * while its timestamp is within a tolerance of now (an older signature is refused as stale anyway), so minute folders
 * whose every timestamp is older than the largest tolerance a trigger may have ({@link #KEEP}) are deleted whole, at
 * most once per {@link #PRUNE_EVERY}: pruning lists a workflow's minute folders (about 62), not its markers, and a
 * claim adds its marker to a folder of one minute's deliveries instead of one of the whole hour's (at 2,000 signed
 * requests a second that folder held 7 million entries). A marker is kept at most a minute longer than {@link #KEEP}.
 *
 * <p>Markers of the flat layout before minute folders ({@code <workflow_id>/<timestamp>-<signature hex>}) still refuse
 * their replay after an upgrade: while any exist, a claim also looks for one, and pruning deletes them as before.
 * The signature is an HMAC output the sender sent in the clear; it reveals nothing about the secret. Thread-safe.
 */
final class SignatureReplayStore {
    /** The largest {@code tolerance_seconds} a webhook trigger accepts (1 h), plus a margin for clock steps. */
    static final Duration KEEP = Duration.ofSeconds(3600 + 60);
    static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MARKER = Pattern.compile("([0-9]{1,12})-[0-9a-f]{64}");
    private static final Pattern MINUTE = Pattern.compile("[0-9]{1,11}");

    private final Path root;
    private final Clock clock;
    private final AtomicLong nextPrune = new AtomicLong(Long.MIN_VALUE);
    /** Whether flat markers of the layout before minute folders may still exist (until a prune finds none). */
    private volatile boolean flatMarkers;

    SignatureReplayStore(Path dataDir, Clock clock) {
        try {
            this.root = Files.createDirectories(DataFolders.webhookSignatures(dataDir));
        } catch (IOException e) {
            throw new StoreException("cannot create the webhook signature folder under " + dataDir + ": " + e.getMessage(), e);
        }
        this.clock = clock;
        this.flatMarkers = anyFlatMarker();
    }

    /** True when this call is the first to present {@code signatureHex} (lower-case hex) for {@code workflowId}. */
    boolean claim(String workflowId, long timestamp, String signatureHex) {
        pruneIfDue();
        Path workflow = workflowDir(workflowId);
        String name = markerName(timestamp, signatureHex);
        if (flatMarkers && Files.exists(workflow.resolve(name))) {
            return false;
        }
        Path dir = workflow.resolve(minuteOf(timestamp));
        try {
            Path temp;
            try {
                temp = Files.createTempFile(dir, ".claim-", ".tmp");
            } catch (NoSuchFileException e) {
                // the minute's first claim (only then: creating an existing folder costs an exception every time)
                Files.createDirectories(dir);
                temp = Files.createTempFile(dir, ".claim-", ".tmp");
            }
            try {
                Files.createLink(dir.resolve(name), temp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot record the webhook signature in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Forgets a claim whose request started no run, so that the sender may deliver it again. */
    void release(String workflowId, long timestamp, String signatureHex) {
        Path workflow = workflowDir(workflowId);
        String name = markerName(timestamp, signatureHex);
        try {
            Files.deleteIfExists(workflow.resolve(minuteOf(timestamp)).resolve(name));
        } catch (IOException e) {
            throw new StoreException("cannot release the webhook signature in " + workflow + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes every minute folder whose timestamps are all more than {@link #KEEP} before now (and flat markers older
     * than that); returns how many markers were deleted.
     */
    int prune() {
        long oldest = clock.instant().minus(KEEP).getEpochSecond();
        int deleted = 0;
        boolean flatLeft = false;
        try (DirectoryStream<Path> workflows = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : workflows) {
                Pruned pruned = prune(dir, oldest);
                deleted += pruned.deleted;
                flatLeft |= pruned.flatLeft;
            }
        } catch (IOException e) {
            // pruning is housekeeping: try again next time
            return deleted;
        }
        flatMarkers = flatLeft;
        return deleted;
    }

    private void pruneIfDue() {
        long now = clock.millis();
        long due = nextPrune.get();
        if (now >= due && nextPrune.compareAndSet(due, now + PRUNE_EVERY.toMillis())) {
            prune();
        }
    }

    private record Pruned(int deleted, boolean flatLeft) {}

    private static Pruned prune(Path workflow, long oldest) {
        int deleted = 0;
        boolean flatLeft = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(workflow)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (MINUTE.matcher(name).matches()) {
                    // every timestamp of minute m is below (m + 1) * 60
                    if ((Long.parseLong(name) + 1) * 60 <= oldest) {
                        deleted += deleteMinute(entry);
                    }
                    continue;
                }
                Matcher flat = MARKER.matcher(name);
                if (flat.matches()) {
                    if (Long.parseLong(flat.group(1)) < oldest && deleteQuietly(entry)) {
                        deleted++;
                    } else {
                        flatLeft = true;
                    }
                }
            }
        } catch (NoSuchFileException ignored) {
            // removed meanwhile
        } catch (IOException ignored) {
            // pruning is housekeeping: try again next time
        }
        return new Pruned(deleted, flatLeft);
    }

    /** A minute folder with everything in it (markers, a temp file left by a killed gateway). */
    private static int deleteMinute(Path minute) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(minute)) {
            for (Path file : files) {
                if (deleteQuietly(file) && MARKER.matcher(file.getFileName().toString()).matches()) {
                    deleted++;
                }
            }
        } catch (IOException ignored) {
            // removed meanwhile, or try again next time
        }
        deleteQuietly(minute);
        return deleted;
    }

    private static boolean deleteQuietly(Path path) {
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            return false; // another gateway may be pruning the same folder; a folder may have got a late claim
        }
    }

    private boolean anyFlatMarker() {
        try (DirectoryStream<Path> workflows = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : workflows) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> MARKER.matcher(p.getFileName().toString()).matches())) {
                    if (entries.iterator().hasNext()) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            return true; // cannot tell: look for them until a prune can
        }
    }

    private Path workflowDir(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        Path dir = root.resolve(workflowId).normalize();
        if (!dir.getParent().equals(root)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return dir;
    }

    private static String minuteOf(long timestamp) {
        return Long.toString(timestamp / 60);
    }

    private static String markerName(long timestamp, String signatureHex) {
        if (timestamp < 0 || !SIGNATURE.matcher(signatureHex).matches()) {
            throw new IllegalArgumentException("not a signature marker: " + timestamp + "-" + signatureHex.length() + " chars");
        }
        return timestamp + "-" + signatureHex;
    }
}
