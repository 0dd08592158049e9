package io.zaps.gateway.run;

import io.zaps.contract.run.StepState;
import io.zaps.contract.trigger.TriggerSpec;
import io.zaps.contract.trigger.Triggers;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.FileStore;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a trigger needs of a workflow (version, status, the pending step states), kept per workflow
 * and re-read only when its file changed. Parsing the definition was a fifth of a trigger's CPU;
 * a {@code stat} is far cheaper. Every write of the store replaces the file by a rename, so a change
 * shows as a different file key (inode), size or modification time, also when another process
 * (another gateway on the same data folder) wrote it.
 */
@Component
class WorkflowSnapshotCache {
    private static final long SETTLE_MILLIS = 100;

    private final FileStore store;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    WorkflowSnapshotCache(FileStore store) {
        this.store = store;
    }

    /** The current workflow, or empty if it does not exist. {@code workflowId} must already be a safe id. */
    Optional<TriggerTarget> find(String workflowId) {
        Path file = store.workflowFile(workflowId);
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            entries.remove(workflowId);
            return Optional.empty();
        } catch (IOException e) {
            // let the store read it and report the failure with its own message
            return store.findWorkflow(workflowId).map(TriggerTarget::of);
        }
        Entry cached = entries.get(workflowId);
        if (cached != null && cached.matches(attributes)) {
            return Optional.of(cached.target);
        }
        // Attributes are taken before the content: if the file changes in between, the next call sees
        // different attributes and reads again, so a stale definition is never kept.
        Optional<TriggerTarget> target = store.findWorkflow(workflowId).map(TriggerTarget::of);
        if (target.isPresent() && settled(attributes)) {
            entries.put(workflowId, new Entry(attributes, target.get()));
        } else {
            entries.remove(workflowId);
        }
        return target;
    }

    /**
     * File times are coarse (a few ms) and inode numbers are reused, so two quick replacements could
     * look alike. A file whose time is well in the past cannot be confused with a later one: any later
     * write gets a later time. Fresh files are simply read every time until they settle.
     */
    private static boolean settled(BasicFileAttributes attributes) {
        return attributes.lastModifiedTime().toMillis() < System.currentTimeMillis() - SETTLE_MILLIS;
    }

    /**
     * The parts of a workflow definition a trigger uses.
     *
     * @param trigger the parsed trigger section, or null when there is none (or it no longer parses)
     */
    record TriggerTarget(String workflowId, Integer version, WorkflowStatus status, Map<String, StepState> pendingSteps,
                         TriggerSpec trigger) {
        static TriggerTarget of(WorkflowDefinition workflow) {
            Map<String, StepState> steps = new LinkedHashMap<>();
            for (StepDefinition step : workflow.steps()) {
                steps.put(step.id(), StepState.pending(step.id(), step.type()));
            }
            return new TriggerTarget(workflow.id(), workflow.version(), workflow.statusOrDefault(), Collections.unmodifiableMap(steps),
                    trigger(workflow));
        }

        private static TriggerSpec trigger(WorkflowDefinition workflow) {
            try {
                return Triggers.parse(workflow.trigger());
            } catch (IllegalArgumentException e) {
                // Stored definitions were validated when saved; one that no longer parses offers no trigger.
                return null;
            }
        }
    }

    /** Without a file key (inode) a change cannot be told reliably, so such files are never cached. */
    private record Entry(Object fileKey, FileTime modified, long size, TriggerTarget target) {
        Entry(BasicFileAttributes attributes, TriggerTarget target) {
            this(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size(), target);
        }

        boolean matches(BasicFileAttributes attributes) {
            return fileKey != null && fileKey.equals(attributes.fileKey())
                    && size == attributes.size() && modified.equals(attributes.lastModifiedTime());
        }
    }
}
