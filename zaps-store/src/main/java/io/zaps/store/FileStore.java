package io.zaps.store;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.workflow.WorkflowDefinition;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The JSON file store on the (shared) data folder:
 * <pre>
 * &lt;data&gt;/workflows/&lt;id&gt;.json                 the current version of each workflow
 * &lt;data&gt;/workflow-versions/&lt;id&gt;/&lt;n&gt;.json      every version ever saved
 * &lt;data&gt;/workflow-versions/&lt;id&gt;/.lock        the workflow's write lock (an OS file lock; the file stays empty)
 * &lt;data&gt;/runs/&lt;run_id&gt;.json                  the latest snapshot of each run
 * &lt;data&gt;/index/workflow-runs/&lt;id&gt;/&lt;run_id&gt;     which runs belong to a workflow (empty marker files)
 * </pre>
 * Every write goes to a temporary file in the same folder and is renamed into place, so a reader
 * sees the old or the new file, never half of one. Every id is checked against
 * {@link Ids#SAFE_ID} or {@link Ids#isRunId} before it becomes part of a path, and the resolved path
 * is checked to stay inside the data folder. Thread-safe; safe across processes for the operations
 * whose javadoc says so. Writes of a workflow are serialized per workflow id, also between processes
 * sharing the folder ({@link #saveWorkflow}).
 */
public final class FileStore {
    private final Path root;
    private final WorkflowFiles workflowFiles;
    private final Path runs;
    private final Path runIndex;

    public FileStore(Path dataDir) {
        try {
            this.root = Files.createDirectories(dataDir.toAbsolutePath().normalize());
            this.workflowFiles = new WorkflowFiles(root);
            this.runs = Files.createDirectories(root.resolve("runs"));
            this.runIndex = Files.createDirectories(root.resolve("index").resolve("workflow-runs"));
        } catch (IOException e) {
            throw new StoreException("cannot create the data folder " + dataDir + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    // ---------------------------------------------------------------- workflows (WorkflowFiles)

    public Optional<WorkflowDefinition> findWorkflow(String workflowId) {
        return workflowFiles.find(workflowId);
    }

    public Optional<WorkflowDefinition> findWorkflowVersion(String workflowId, int version) {
        return workflowFiles.findVersion(workflowId, version);
    }

    /** Every version of a workflow, oldest first (empty if none). */
    public List<Integer> listWorkflowVersions(String workflowId) {
        return workflowFiles.listVersions(workflowId);
    }

    /** All current workflow definitions, by id. */
    public List<WorkflowDefinition> listWorkflows() {
        return workflowFiles.list();
    }

    /** The id of every workflow ever saved (it has versions), deleted ones included, in id order. */
    public List<String> listWorkflowIdsEverSaved() {
        return workflowFiles.idsEverSaved();
    }

    /**
     * The file of a workflow's current definition, {@code <data>/workflows/<id>.json}, for a reader that caches the
     * definition and checks the file's attributes (a stat) before reading it again. Every write replaces the file by a
     * rename. May not exist.
     */
    public Path workflowFile(String workflowId) {
        return workflowFiles.file(workflowId);
    }

    /**
     * Decides, under the workflow's write lock, what a write stores given what is stored now; it may throw to store
     * nothing (the exception reaches the caller unchanged). Other writers of the same workflow wait while it runs, so it
     * must be quick, and it must not call the store's write methods.
     */
    @FunctionalInterface
    public interface WorkflowChange {
        /**
         * @param current     the current definition; empty when the workflow does not exist (never created, or deleted)
         * @param nextVersion the number the new version gets: one more than the highest version ever saved
         * @return the definition to save; its version must be {@code nextVersion}
         */
        WorkflowDefinition apply(Optional<WorkflowDefinition> current, int nextVersion);
    }

    /**
     * What is stored of a workflow, read under its write lock ({@link #inspectWorkflow}).
     *
     * @param current       the current definition; empty when the workflow was deleted or never created
     * @param highestVersion the highest version ever saved; 0 if none
     */
    public record WorkflowHead(String id, Optional<WorkflowDefinition> current, int highestVersion) {
    }

    /**
     * Saves a new version of a workflow as one step against every other writer of it, also in other processes sharing
     * the data folder: under the workflow's write lock, {@code change} is given the current definition and the next
     * version number, and what it returns is saved as that version and becomes the current definition. Concurrent
     * writers are serialized, never refused: each gets its own version, and the current definition is always the last
     * one saved.
     *
     * @return the definition saved
     */
    public WorkflowDefinition saveWorkflow(String workflowId, WorkflowChange change) {
        return saveWorkflow(workflowId, change, saved -> {});
    }

    /**
     * {@link #saveWorkflow(String, WorkflowChange)}, then {@code whileLocked} with the definition saved, still under the
     * workflow's write lock: whatever it does (e.g. publish the version) happens in the order of the versions, also
     * across processes. If it throws, the version stays saved and the exception reaches the caller.
     */
    public WorkflowDefinition saveWorkflow(String workflowId, WorkflowChange change, Consumer<WorkflowDefinition> whileLocked) {
        return workflowFiles.save(workflowId, change, whileLocked);
    }

    /**
     * Saves {@code definition} as version {@code definition.version()}, under the workflow's write lock (see
     * {@link #saveWorkflow}). Fails with {@link VersionConflictException} if that version already exists (another writer
     * got there first, also in another process), so versions are never overwritten. It becomes the current definition
     * unless a higher version was saved before: the current definition never goes backwards.
     */
    public void saveWorkflowVersion(WorkflowDefinition definition) {
        workflowFiles.saveVersion(definition);
    }

    /** Removes the workflow's current definition (its versions and runs stay readable). */
    public boolean deleteWorkflow(String workflowId) {
        return deleteWorkflow(workflowId, current -> {});
    }

    /**
     * Removes the workflow's current definition, under its write lock, once {@code check} accepted it ({@code check} may
     * throw to keep it, e.g. when it is not the version the caller expects). Its versions and runs stay readable.
     *
     * @return whether there was a current definition to remove
     */
    public boolean deleteWorkflow(String workflowId, Consumer<WorkflowDefinition> check) {
        return deleteWorkflow(workflowId, check, deleted -> {});
    }

    /**
     * {@link #deleteWorkflow(String, Consumer)}, then {@code whileLocked} with the definition removed, still under the
     * workflow's write lock (see {@link #saveWorkflow(String, WorkflowChange, Consumer)}).
     */
    public boolean deleteWorkflow(String workflowId, Consumer<WorkflowDefinition> check, Consumer<WorkflowDefinition> whileLocked) {
        return workflowFiles.delete(workflowId, check, whileLocked);
    }

    /**
     * Runs {@code action} with what is stored of the workflow, under its write lock, so that no write of it comes in
     * between (e.g. to publish the current definition without overtaking a newer one).
     */
    public <T> T inspectWorkflow(String workflowId, Function<WorkflowHead, T> action) {
        return workflowFiles.inspect(workflowId, action);
    }

    // ---------------------------------------------------------------- runs

    public Optional<RunSnapshot> findRun(String runId) {
        return read(runFile(runId), RunSnapshot.class);
    }

    /** Whether a snapshot of {@code runId} is stored (one file-exists check; nothing is parsed). */
    public boolean hasRun(String runId) {
        return Files.exists(runFile(runId));
    }

    /**
     * Writes {@code snapshot} unless the stored one has the same or a higher revision, so a stale or
     * repeated event never moves a run backwards. One writer per run is assumed (the projector's
     * partitions are keyed by run id); returns whether it was written.
     */
    public synchronized boolean saveRunIfNewer(RunSnapshot snapshot) {
        Path file = runFile(snapshot.runId());
        long current = RunFileHeads.storedRevision(file);
        if (current >= snapshot.revision()) {
            return false;
        }
        if (current == RunFileHeads.NONE) {
            indexRun(snapshot);
        }
        replace(file, Json.toBytes(snapshot));
        return true;
    }

    /**
     * What a writer knows about a run file it wrote or read: the snapshot's revision and the file's
     * identity (file key, size, modification time). Every write renames a new file into place, so
     * any other write, also by another process, changes the identity.
     */
    public record RunFileStamp(long revision, Object fileKey, long size, FileTime lastModified) {
        boolean describes(BasicFileAttributes attributes) {
            return fileKey != null && fileKey.equals(attributes.fileKey()) && size == attributes.size()
                    && lastModified.equals(attributes.lastModifiedTime());
        }
    }

    /**
     * {@link #saveRunIfNewer(RunSnapshot)} for a writer that remembers what it wrote: while the run's
     * file is still the one {@code known} describes, its revision is taken from {@code known} instead
     * of reading and parsing the file; otherwise (null, or the file was replaced or removed since)
     * the file is read as usual. Same guarantee: a snapshot never replaces the same or a higher revision.
     *
     * @param known what the caller was told by the previous call for this run, or null
     * @return the stamp of the run's file after the call (whether or not {@code snapshot} was
     *         written), or null when it is not known without reading the file
     */
    public synchronized RunFileStamp saveRunIfNewer(RunSnapshot snapshot, RunFileStamp known) {
        Path file = runFile(snapshot.runId());
        if (known != null) {
            BasicFileAttributes attributes = attributesOrNull(file);
            if (attributes != null && known.describes(attributes)) {
                return known.revision() >= snapshot.revision() ? known : replaceStamped(file, snapshot);
            }
        }
        long current = RunFileHeads.storedRevision(file);
        if (current >= snapshot.revision()) {
            return null;
        }
        if (current == RunFileHeads.NONE) {
            indexRun(snapshot);
        }
        return replaceStamped(file, snapshot);
    }

    private RunFileStamp replaceStamped(Path target, RunSnapshot snapshot) {
        Path temp = writeTemp(target.getParent(), Json.toBytes(snapshot));
        try {
            // The rename keeps the file (key, size, time): the stamp of the temp file is that of the target.
            BasicFileAttributes attributes = Files.readAttributes(temp, BasicFileAttributes.class);
            move(temp, target);
            return new RunFileStamp(snapshot.revision(), attributes.fileKey(), attributes.size(), attributes.lastModifiedTime());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static BasicFileAttributes attributesOrNull(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes {@code snapshot} only if no snapshot of that run exists yet (exclusive, also across processes). */
    public boolean createRun(RunSnapshot snapshot) {
        Path file = runFile(snapshot.runId());
        Path temp = writeTemp(runs, Json.toBytes(snapshot));
        try {
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(temp);
        }
        indexRun(snapshot);
        return true;
    }

    /**
     * The newest {@code limit} runs of a workflow, newest first. Only the index markers are listed and
     * stat'ed (each marker's modification time is its run's {@code created_at}); just the {@code limit}
     * newest snapshots are read, so a workflow with many runs lists as fast as one with few.
     */
    public List<RunSnapshot> listRuns(String workflowId, int limit) {
        Path dir = runIndex.resolve(safeId(workflowId));
        record Marker(String runId, long createdMillis) {}
        List<Marker> markers = new ArrayList<>();
        for (Path marker : list(dir)) {
            String runId = marker.getFileName().toString();
            BasicFileAttributes attributes = Ids.isRunId(runId) ? attributesOrNull(marker) : null;
            if (attributes != null) {
                markers.add(new Marker(runId, attributes.lastModifiedTime().toMillis()));
            }
        }
        markers.sort(Comparator.comparingLong(Marker::createdMillis).reversed().thenComparing(Marker::runId));
        List<RunSnapshot> result = new ArrayList<>(Math.min(limit, markers.size()));
        for (Marker marker : markers) {
            if (result.size() >= limit) {
                break;
            }
            read(runFile(marker.runId()), RunSnapshot.class).ifPresent(result::add); // gone (pruned): skipped
        }
        result.sort(Comparator.comparing(RunSnapshot::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(RunSnapshot::runId));
        return result;
    }

    /**
     * Deletes the snapshot, and its workflow index marker, of every run that finished (completed,
     * failed or cancelled) before {@code cutoff}; also temporary files left behind before then. Cheap
     * on a large folder: a run file last written after the cutoff is skipped without being read (a
     * run's last write is its final snapshot), so only old files are parsed; unfinished runs and
     * unreadable files are left alone.
     *
     * @return how many runs were deleted
     */
    public int pruneFinishedRuns(Instant cutoff) {
        return pruneFinishedRuns(cutoff, runId -> {});
    }

    /**
     * {@link #pruneFinishedRuns(Instant)}, telling {@code deletedRun} the id of every run it deleted (e.g. to drop it
     * from a catalog kept in memory).
     */
    public int pruneFinishedRuns(Instant cutoff, Consumer<String> deletedRun) {
        int deleted = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(runs)) {
            for (Path file : stream) {
                String name = file.getFileName().toString();
                BasicFileAttributes attributes = attributesOrNull(file);
                if (attributes == null || !attributes.isRegularFile() || !attributes.lastModifiedTime().toInstant().isBefore(cutoff)) {
                    continue;
                }
                if (name.startsWith(".tmp-")) {
                    deleteQuietly(file);
                    continue;
                }
                if (!name.endsWith(".json") || !Ids.isRunId(name.substring(0, name.length() - 5))) {
                    continue;
                }
                Optional<RunSnapshot> run = readRunLenient(file);
                if (run.isEmpty() || run.get().status() == null || !run.get().status().isFinal()
                        || run.get().completedAt() == null || !run.get().completedAt().isBefore(cutoff)) {
                    continue;
                }
                RunSnapshot snapshot = run.get();
                if (snapshot.workflowId() != null && Ids.isSafe(snapshot.workflowId())) {
                    deleteQuietly(runIndex.resolve(snapshot.workflowId()).resolve(snapshot.runId()));
                }
                deleteQuietly(file);
                deletedRun.accept(snapshot.runId());
                deleted++;
            }
        } catch (IOException e) {
            throw new StoreException("cannot list " + runs + ": " + e.getMessage(), e);
        }
        return deleted;
    }

    /** What {@link #scanRuns} found: the runs it summarized, and the files it could not read (corrupt, or gone meanwhile). */
    public record RunScan(int runs, int skipped) {
    }

    /**
     * Hands the summary of every stored run to {@code sink}, in no particular order, to fill a catalog kept in
     * memory. Each file is read once and parsed with a streaming parser that keeps only the summary's fields and
     * skips the context and the steps without building them, so a folder of 100,000 runs is scanned in about 2 s
     * (see {@code RunScanTest}). A file that is not a readable snapshot is skipped and counted; nothing is written.
     */
    public RunScan scanRuns(Consumer<RunSummary> sink) {
        int found = 0;
        int skipped = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(runs, "*.json")) {
            for (Path file : stream) {
                String name = file.getFileName().toString();
                if (!Ids.isRunId(name.substring(0, name.length() - 5))) {
                    continue;
                }
                RunSummary summary = RunFileHeads.summaryOrNull(file);
                if (summary == null || !name.startsWith(summary.runId())) {
                    skipped++;
                    continue;
                }
                sink.accept(summary);
                found++;
            }
        } catch (IOException e) {
            throw new StoreException("cannot list " + runs + ": " + e.getMessage(), e);
        }
        return new RunScan(found, skipped);
    }

    /** The summary of the stored snapshot of {@code runId}, read as {@link #scanRuns} reads it; empty when there is none. */
    public Optional<RunSummary> findRunSummary(String runId) {
        return Optional.ofNullable(RunFileHeads.summaryOrNull(runFile(runId)));
    }

    private void indexRun(RunSnapshot snapshot) {
        if (snapshot.workflowId() == null || !Ids.isSafe(snapshot.workflowId())) {
            return;
        }
        try {
            Path dir = Files.createDirectories(runIndex.resolve(snapshot.workflowId()));
            Path marker = Files.createFile(dir.resolve(runId(snapshot.runId())));
            if (snapshot.createdAt() != null) {
                // listRuns orders by the markers' times without reading a snapshot
                Files.setLastModifiedTime(marker, FileTime.from(snapshot.createdAt()));
            }
        } catch (FileAlreadyExistsException ignored) {
            // already indexed
        } catch (IOException e) {
            throw new StoreException("cannot index run " + snapshot.runId() + ": " + e.getMessage(), e);
        }
    }

    private Optional<RunSnapshot> readRunLenient(Path file) {
        try {
            return read(file, RunSnapshot.class);
        } catch (CorruptFileException e) {
            // The projector replaces a corrupt snapshot with a good one instead of stopping on it.
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- paths and I/O

    /**
     * The file of a run's latest snapshot, {@code <data>/runs/<run_id>.json}, for a reader that watches its attributes
     * (a stat) before reading it. Every write replaces the file by a rename. May not exist.
     */
    public Path runFile(String runId) {
        return safeChild(runs, runId(runId) + ".json");
    }

    static String safeId(String id) {
        if (!Ids.isSafe(id)) {
            throw new UnsafeIdException("workflow id", id);
        }
        return id;
    }

    private static String runId(String id) {
        if (!Ids.isRunId(id)) {
            throw new UnsafeIdException("run id", id);
        }
        return id;
    }

    private Path safeChild(Path dir, String name) {
        return safeChild(root, dir, name);
    }

    /** Belt and braces: even a valid-looking name must resolve inside its folder. */
    static Path safeChild(Path root, Path dir, String name) {
        Path child = dir.resolve(name).normalize();
        if (!child.startsWith(root) || !child.getParent().equals(dir.normalize())) {
            throw new UnsafeIdException("file name", name);
        }
        return child;
    }

    static <T> Optional<T> read(Path file, Class<T> type) {
        byte[] bytes = bytesOrNull(file);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(bytes, type));
        } catch (MalformedRecordException e) {
            throw new CorruptFileException(file, e);
        }
    }

    /** The file's bytes, or null when it does not exist. */
    static byte[] bytesOrNull(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static List<Path> list(Path dir) {
        List<Path> result = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return result;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(result::add);
        } catch (IOException e) {
            throw new StoreException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return result;
    }

    static Path writeTemp(Path dir, byte[] bytes) {
        Path temp = dir.resolve(".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-" + Thread.currentThread().getId());
        try {
            Files.write(temp, bytes);
            return temp;
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StoreException("cannot write " + temp + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code bytes} to {@code target} atomically (a temp file in the same folder, then a rename), so a reader
     * sees the old or the new content, never a part; for small state files beside the store (e.g. trigger cursors).
     *
     * @throws StoreException naming the file when it cannot be written
     */
    public static void writeAtomically(Path target, byte[] bytes) {
        replace(target, bytes);
    }

    static void replace(Path target, byte[] bytes) {
        Path temp = writeTemp(target.getParent(), bytes);
        try {
            move(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a leftover temp file is harmless: names start with ".tmp-" and are never read
        }
    }
}
