package io.zaps.trigger.workflow;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.store.FileStore;
import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The current workflow definitions, read from the {@link FileStore} (the gateway writes them) and
 * cached so that a hot workflow is not re-parsed for every trigger.
 *
 * <p>Freshness: every lookup stats {@code <data>/workflows/<id>.json} (a few microseconds) and the
 * cached definition is used only while the file's identity (inode where the file system has one),
 * last-modified time and size are unchanged, so an update is seen by the very next lookup, not
 * after some expiry. The file is stat'ed <em>before</em> it is read: if it changes in between, the
 * cache holds the new content under the old stamp and simply reads again next time. Because file
 * times are coarse on some file systems, a definition whose file changed less than
 * {@link #SETTLE_TIME} before it was read is not trusted and is read again on each lookup (the same
 * "racy timestamp" rule git uses for its index).
 *
 * <p>Thread-safe; entries exist only for workflows that exist, and one is dropped as soon as its
 * file is gone.
 */
public final class WorkflowCatalog {
    /** How long after its last change a file must have been read before its cached content is trusted. */
    static final Duration SETTLE_TIME = Duration.ofSeconds(2);

    private final FileStore store;
    private final Path workflowsDir;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final AtomicLong reads = new AtomicLong();

    public WorkflowCatalog(FileStore store, Clock clock) {
        this.store = store;
        // FileStore's documented layout: <data>/workflows/<id>.json holds the current version.
        this.workflowsDir = store.root().resolve("workflows");
        this.clock = clock;
    }

    /**
     * The current definition of {@code workflowId}, or empty if there is none.
     *
     * @throws io.zaps.store.CorruptFileException if the file exists but is not a workflow definition
     * @throws StoreException                     if the file cannot be read (worth retrying)
     */
    public Optional<WorkflowDefinition> find(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        Path file = workflowsDir.resolve(workflowId + ".json");
        Stamp stamp;
        try {
            stamp = Stamp.of(Files.readAttributes(file, BasicFileAttributes.class));
        } catch (NoSuchFileException e) {
            cache.remove(workflowId);
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot stat " + file + ": " + e.getMessage(), e);
        }
        Entry cached = cache.get(workflowId);
        if (cached != null && cached.settled() && cached.stamp().equals(stamp)) {
            return Optional.of(cached.definition());
        }
        long readAtMillis = clock.millis();
        reads.incrementAndGet();
        Optional<WorkflowDefinition> definition = store.findWorkflow(workflowId);
        if (definition.isEmpty()) {
            cache.remove(workflowId);
        } else {
            boolean settled = stamp.modified().toMillis() < readAtMillis - SETTLE_TIME.toMillis();
            cache.put(workflowId, new Entry(stamp, definition.get(), settled));
        }
        return definition;
    }

    /** How many times a definition file was read and parsed (the cache's misses). */
    public long reads() {
        return reads.get();
    }

    private record Stamp(Object fileKey, FileTime modified, long size) {
        static Stamp of(BasicFileAttributes attributes) {
            return new Stamp(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
        }
    }

    private record Entry(Stamp stamp, WorkflowDefinition definition, boolean settled) {
    }
}
