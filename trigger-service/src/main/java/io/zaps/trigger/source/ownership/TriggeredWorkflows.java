package io.zaps.trigger.source.ownership;

import io.zaps.contract.Ids;
import io.zaps.contract.trigger.TriggerSpec;
import io.zaps.contract.trigger.Triggers;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.store.StoreException;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current workflows whose trigger section is of a given kind, for the trigger sources that scan them every few
 * seconds, from the {@link WorkflowCatalog} (the view of {@code zaps.workflows} kept in memory). A workflow that cannot be read or a trigger section that does not parse is left out and logged
 * once per workflow version, not on every scan.
 */
public final class TriggeredWorkflows {
    private static final Logger log = LoggerFactory.getLogger(TriggeredWorkflows.class);

    private final WorkflowCatalog catalog;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    public TriggeredWorkflows(WorkflowCatalog catalog) {
        this.catalog = catalog;
    }

    /** A workflow and its parsed trigger. */
    public record Triggered<T extends TriggerSpec>(WorkflowDefinition workflow, T trigger) {
    }

    /**
     * Every current workflow (any status) whose trigger is a {@code type}, by id.
     *
     */
    public <T extends TriggerSpec> Map<String, Triggered<T>> find(Class<T> type) {
        Map<String, Triggered<T>> result = new TreeMap<>();
        for (String id : ids()) {
            Optional<WorkflowDefinition> workflow;
            try {
                workflow = catalog.find(id);
            } catch (RuntimeException e) {
                report(id + "@unreadable", "cannot read workflow '" + id + "', its trigger is not run: " + e.getMessage());
                continue;
            }
            if (workflow.isEmpty() || workflow.get().trigger() == null) {
                continue;
            }
            TriggerSpec spec;
            try {
                spec = Triggers.parse(workflow.get().trigger());
            } catch (RuntimeException e) {
                report(id + "@" + workflow.get().version(), "workflow '" + id + "' version " + workflow.get().version()
                        + " has a trigger that does not parse, it is not run: " + e.getMessage());
                continue;
            }
            if (type.isInstance(spec)) {
                result.put(id, new Triggered<>(workflow.get(), type.cast(spec)));
            }
        }
        return result;
    }

    private Iterable<String> ids() {
        return catalog.ids();
    }

    private void report(String key, String message) {
        if (reported.add(key)) {
            log.warn(message);
        }
    }
}
