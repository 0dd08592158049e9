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
 * The signatures of inbound webhooks already accepted, on the (shared) data folder:
 * <pre>
 * &lt;data&gt;/webhook-signatures/&lt;workflow_id&gt;/&lt;timestamp&gt;-&lt;signature hex&gt;    empty marker
 * </pre>
 * A signature is claimed by an exclusive create (a hard link, as in {@link io.zaps.store.IdempotencyStore}), so of
 * two identical requests, also on two gateways sharing the folder, exactly one is accepted. A marker is needed only
 * while its timestamp is within a tolerance of now (an older signature is refused as stale anyway), so markers older
 * than the largest tolerance a trigger may have ({@link #KEEP}) are pruned, at most once per {@link #PRUNE_EVERY}.
 * The signature is an HMAC output the sender sent in the clear; it reveals nothing about the secret. Thread-safe.
 */
final class SignatureReplayStore {
    /** The largest {@code tolerance_seconds} a webhook trigger accepts (1 h), plus a margin for clock steps. */
    static final Duration KEEP = Duration.ofSeconds(3600 + 60);
    static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
    private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MARKER = Pattern.compile("([0-9]{1,12})-[0-9a-f]{64}");

    private final Path root;
    private final Clock clock;
    private final AtomicLong nextPrune = new AtomicLong(Long.MIN_VALUE);

    SignatureReplayStore(Path dataDir, Clock clock) {
        try {
            this.root = Files.createDirectories(DataFolders.webhookSignatures(dataDir));
        } catch (IOException e) {
            throw new StoreException("cannot create the webhook signature folder under " + dataDir + ": " + e.getMessage(), e);
        }
        this.clock = clock;
    }

    /** True when this call is the first to present {@code signatureHex} (lower-case hex) for {@code workflowId}. */
    boolean claim(String workflowId, long timestamp, String signatureHex) {
        pruneIfDue();
        Path dir = workflowDir(workflowId);
        Path marker = marker(dir, timestamp, signatureHex);
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, ".claim-", ".tmp");
            try {
                Files.createLink(marker, temp);
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
        Path dir = workflowDir(workflowId);
        try {
            Files.deleteIfExists(marker(dir, timestamp, signatureHex));
        } catch (IOException e) {
            throw new StoreException("cannot release the webhook signature in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes every marker whose timestamp is more than {@link #KEEP} before now; returns how many. */
    int prune() {
        long oldest = clock.instant().minus(KEEP).getEpochSecond();
        int deleted = 0;
        try (DirectoryStream<Path> workflows = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path dir : workflows) {
                deleted += prune(dir, oldest);
            }
        } catch (IOException e) {
            // pruning is housekeeping: try again next time
        }
        return deleted;
    }

    private void pruneIfDue() {
        long now = clock.millis();
        long due = nextPrune.get();
        if (now >= due && nextPrune.compareAndSet(due, now + PRUNE_EVERY.toMillis())) {
            prune();
        }
    }

    private static int prune(Path dir, long oldest) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                Matcher m = MARKER.matcher(file.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) < oldest) {
                    try {
                        Files.deleteIfExists(file);
                        deleted++;
                    } catch (IOException ignored) {
                        // another gateway may be pruning the same folder
                    }
                }
            }
        } catch (NoSuchFileException ignored) {
            // removed meanwhile
        } catch (IOException ignored) {
            // pruning is housekeeping: try again next time
        }
        return deleted;
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

    private static Path marker(Path dir, long timestamp, String signatureHex) {
        if (timestamp < 0 || !SIGNATURE.matcher(signatureHex).matches()) {
            throw new IllegalArgumentException("not a signature marker: " + timestamp + "-" + signatureHex.length() + " chars");
        }
        return dir.resolve(timestamp + "-" + signatureHex);
    }
}
