package io.zaps.store;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.workflow.WorkflowDefinition;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The workflow files of the data folder, for {@link FileStore}, which delegates to it:
 * <pre>
 * &lt;data&gt;/workflows/&lt;id&gt;.json                 the current version of each workflow
 * &lt;data&gt;/workflow-versions/&lt;id&gt;/&lt;n&gt;.json      every version ever saved
 * &lt;data&gt;/workflow-versions/&lt;id&gt;/.lock        the workflow's write lock (an OS file lock; the file stays empty)
 * </pre>
 * Writes of one workflow are serialized by its write lock, also between processes sharing the folder.
 */
final class WorkflowFiles {
    private final Path root;
    private final Path workflows;
    private final Path versions;

    WorkflowFiles(Path root) throws IOException {
        this.root = root;
        this.workflows = Files.createDirectories(root.resolve("workflows"));
        this.versions = Files.createDirectories(root.resolve("workflow-versions"));
    }

    Optional<WorkflowDefinition> find(String workflowId) {
        return FileStore.read(file(workflowId), WorkflowDefinition.class);
    }

    Optional<WorkflowDefinition> findVersion(String workflowId, int version) {
        if (version < 1) {
            return Optional.empty();
        }
        return FileStore.read(FileStore.safeChild(root, versions.resolve(FileStore.safeId(workflowId)), version + ".json"),
                WorkflowDefinition.class);
    }

    List<Integer> listVersions(String workflowId) {
        Path dir = versions.resolve(FileStore.safeId(workflowId));
        List<Integer> result = new ArrayList<>();
        for (Path file : FileStore.list(dir)) {
            String name = file.getFileName().toString();
            if (name.matches("[1-9][0-9]{0,8}\\.json")) {
                result.add(Integer.parseInt(name.substring(0, name.length() - 5)));
            }
        }
        result.sort(Comparator.naturalOrder());
        return result;
    }

    List<WorkflowDefinition> list() {
        List<WorkflowDefinition> result = new ArrayList<>();
        for (Path file : FileStore.list(workflows)) {
            String name = file.getFileName().toString();
            if (name.endsWith(".json") && Ids.isSafe(name.substring(0, name.length() - 5))) {
                FileStore.read(file, WorkflowDefinition.class).ifPresent(result::add);
            }
        }
        result.sort(Comparator.comparing(WorkflowDefinition::id));
        return result;
    }

    /** The ids of every workflow that has versions, deleted ones included, in id order. */
    List<String> idsEverSaved() {
        List<String> result = new ArrayList<>();
        for (Path dir : FileStore.list(versions)) {
            String name = dir.getFileName().toString();
            if (Ids.isSafe(name) && Files.isDirectory(dir)) {
                result.add(name);
            }
        }
        result.sort(Comparator.naturalOrder());
        return result;
    }

    WorkflowDefinition save(String workflowId, FileStore.WorkflowChange change, Consumer<WorkflowDefinition> whileLocked) {
        String id = FileStore.safeId(workflowId);
        return withLock(id, () -> {
            int next = highestVersion(id) + 1;
            WorkflowDefinition definition = change.apply(find(id), next);
            if (!id.equals(definition.id()) || definition.version() == null || definition.version() != next) {
                throw new IllegalArgumentException("a workflow change must return workflow '" + id + "' as version " + next
                        + " (was '" + definition.id() + "' version " + definition.version() + ")");
            }
            writeVersion(definition);
            whileLocked.accept(definition);
            return definition;
        });
    }

    void saveVersion(WorkflowDefinition definition) {
        String id = FileStore.safeId(definition.id());
        withLock(id, () -> {
            writeVersion(definition);
            return null;
        });
    }

    boolean delete(String workflowId, Consumer<WorkflowDefinition> check, Consumer<WorkflowDefinition> whileLocked) {
        String id = FileStore.safeId(workflowId);
        Path file = file(id);
        if (!Files.exists(file)) {
            // Nothing to delete, and no lock file left behind for an id that never existed.
            return false;
        }
        return withLock(id, () -> {
            Optional<WorkflowDefinition> current = find(id);
            if (current.isEmpty()) {
                return false;
            }
            check.accept(current.get());
            boolean deleted;
            try {
                deleted = Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new StoreException("cannot delete workflow " + id + ": " + e.getMessage(), e);
            }
            if (deleted) {
                whileLocked.accept(current.get());
            }
            return deleted;
        });
    }

    <T> T inspect(String workflowId, Function<FileStore.WorkflowHead, T> action) {
        String id = FileStore.safeId(workflowId);
        return withLock(id, () -> action.apply(new FileStore.WorkflowHead(id, find(id), highestVersion(id))));
    }

    /** Under the workflow's write lock: the version file (exclusive create), then the current pointer if it moves forward. */
    private void writeVersion(WorkflowDefinition definition) {
        String id = definition.id();
        int version = definition.version();
        Path dir = versions.resolve(id);
        Path target = FileStore.safeChild(root, dir, version + ".json");
        byte[] bytes = Json.toBytes(definition);
        Path temp = FileStore.writeTemp(dir, bytes);
        try {
            // A hard link is created atomically and fails if the name exists: an exclusive create, which also holds
            // against a writer that does not take the lock.
            Files.createLink(target, temp);
        } catch (FileAlreadyExistsException e) {
            throw new VersionConflictException(id, version);
        } catch (IOException | UnsupportedOperationException e) {
            throw new StoreException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            FileStore.deleteQuietly(temp);
        }
        if (version >= highestVersion(id) && version > currentVersion(id)) {
            FileStore.replace(file(id), bytes);
        }
    }

    int highestVersion(String id) {
        List<Integer> saved = listVersions(id);
        return saved.isEmpty() ? 0 : saved.get(saved.size() - 1);
    }

    /** The current definition's version; 0 when there is none, or it is corrupt (a good version then replaces it). */
    private int currentVersion(String id) {
        try {
            return find(id).map(WorkflowDefinition::version).orElse(0);
        } catch (CorruptFileException e) {
            return 0;
        }
    }

    /**
     * Runs {@code action} holding the workflow's write lock ({@link FolderLock} on {@code workflow-versions/<id>/.lock}),
     * which also keeps out writers in other processes sharing the data folder.
     */
    private <T> T withLock(String id, Supplier<T> action) {
        return FolderLock.withLock(FileStore.safeChild(root, versions.resolve(id), ".lock"), action);
    }

    /** {@code <data>/workflows/<id>.json}. */
    Path file(String workflowId) {
        return FileStore.safeChild(root, workflows, FileStore.safeId(workflowId) + ".json");
    }
}
