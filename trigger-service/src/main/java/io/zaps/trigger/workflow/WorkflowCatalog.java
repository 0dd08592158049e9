package io.zaps.trigger.workflow;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.UnsafeIdException;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The current workflow definitions as the trigger service sees them: the view ({@link WorkflowSource}) of
 * {@link io.zaps.contract.Topics#WORKFLOWS}, which the gateway publishes every saved version to. No data folder is read.
 *
 * <p>Freshness: the view follows the topic within milliseconds, but a trigger may overtake the version it was meant
 * for (the gateway publishes a save, answers, and the caller triggers at once). A trigger naming the
 * {@code workflow_version} the gateway saw, or one whose workflow the view does not know or does not hold active, makes
 * the lookup wait until the view has read everything on the topic at that moment ({@link WorkflowSource#awaitCaughtUp},
 * bounded by {@code syncTimeout}): a version the gateway had published before the trigger is then in the view. Lookups
 * the view answers as asked cost a map read. Triggers that name no version (outside producers, trigger sources, error
 * workflows, {@code call_workflow}) are looked up after {@link #catchUp()}, once per batch.
 */
public final class WorkflowCatalog {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WorkflowCatalog.class);
    private final WorkflowSource view;
    private final Duration syncTimeout;
    private final AtomicLong syncs = new AtomicLong();

    public WorkflowCatalog(WorkflowSource view, Duration syncTimeout) {
        this.view = view;
        this.syncTimeout = syncTimeout;
    }

    /** The current definition of {@code workflowId} as the view holds it now, or empty if there is none. */
    public Optional<WorkflowDefinition> find(String workflowId) {
        if (!Ids.isSafe(workflowId)) {
            throw new UnsafeIdException("workflow id", workflowId);
        }
        return view.find(workflowId);
    }

    /**
     * The current definition of {@code workflowId} for a trigger: when the view has none, holds it not active, or holds
     * a version older than {@code atLeastVersion}, it first catches up with the topic (see the class comment); while the
     * view still lacks {@code atLeastVersion} it keeps looking, up to {@code syncTimeout}, then answers what it has.
     *
     * @param atLeastVersion the version the requester saw, or null
     */
    public Optional<WorkflowDefinition> findForTrigger(String workflowId, Integer atLeastVersion) {
        Optional<WorkflowDefinition> found = find(workflowId);
        if (satisfies(found, atLeastVersion)) {
            return found;
        }
        long deadline = System.nanoTime() + syncTimeout.toNanos();
        while (true) {
            syncs.incrementAndGet();
            view.awaitCaughtUp(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000)));
            found = view.find(workflowId);
            if (satisfies(found, atLeastVersion) || atLeastVersion == null || view.version(workflowId) >= atLeastVersion) {
                return found; // up to date: unknown, deleted or not active is the answer
            }
            if (System.nanoTime() - deadline >= 0) {
                // The gateway saved the version but Kafka did not take it (it publishes it again within 30 s).
                log.warn("workflow '{}' version {} is not on {} after {} ms; deciding on version {}", workflowId, atLeastVersion,
                        io.zaps.contract.Topics.WORKFLOWS, syncTimeout.toMillis(), view.version(workflowId));
                return found;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return found;
            }
        }
    }

    /** Whether {@code found} can start a run asked for with {@code atLeastVersion}, without asking the topic again. */
    public static boolean satisfies(Optional<WorkflowDefinition> found, Integer atLeastVersion) {
        if (found.isEmpty() || found.get().statusOrDefault() != WorkflowStatus.ACTIVE) {
            return false;
        }
        Integer version = found.get().version();
        return atLeastVersion == null || (version != null && version >= atLeastVersion);
    }

    /**
     * Waits until the view has read everything on the topic now (bounded by {@code syncTimeout}; on time-out the view
     * is used as it is): what was published before the call is seen by the lookups after it.
     */
    public void catchUp() {
        syncs.incrementAndGet();
        view.awaitCaughtUp(syncTimeout);
    }

    /** The ids of every current workflow, in id order. */
    public Set<String> ids() {
        return view.ids();
    }

    /** How many lookups had to catch up with the topic first (tests and diagnostics). */
    public long syncs() {
        return syncs.get();
    }
}
