package io.zaps.gateway.workflow;

import io.zaps.contract.Topics;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.view.TopicReconciler;
import io.zaps.kafka.workflow.WorkflowView;
import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Puts the workflow definitions of the data folder on {@link Topics#WORKFLOWS}, where the services that run workflows
 * read them without the data folder. Every save and delete is published under the workflow's write lock
 * ({@link FileStore#saveWorkflow(String, FileStore.WorkflowChange, java.util.function.Consumer)}), so the topic receives
 * one workflow's records in the order of its versions, also from several gateways sharing the folder, and a write is
 * answered once Kafka acknowledged its record (or failed to: then it is published again later, see below).
 *
 * <p>What is on disk but not on the topic is published by {@link #reconcile()}: when the gateway starts (before it is
 * ready, so a data folder from before the topic existed works after an upgrade), then every {@code interval}, and every
 * second while a publish failed (Kafka down: the save is answered as saved, the files being the truth). It compares
 * the file store with a {@link WorkflowView} of the topic and publishes, under the workflow's lock, only where the topic
 * is behind.
 */
public final class WorkflowPublisher extends TopicReconciler {
    private static final Logger log = LoggerFactory.getLogger(WorkflowPublisher.class);

    private final FileStore store;
    private final RecordPublisher publisher;
    private final WorkflowView view;
    private final long timeoutMs;

    public WorkflowPublisher(FileStore store, RecordPublisher publisher, WorkflowView view, Duration timeout, Duration interval) {
        super(view, interval);
        this.store = store;
        this.publisher = publisher;
        this.view = view;
        this.timeoutMs = timeout.toMillis();
    }

    /** Workflows a reconciliation pass could not publish, counted (the pass is repeated within a second). */
    private final java.util.concurrent.atomic.AtomicInteger reconcileFailures = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Publishes a saved version; call it under the workflow's write lock. When Kafka does not take it, the write stands
     * (the files are the truth) and the record is published again within a second of Kafka answering; until then the
     * trigger service does not see the version (a trigger naming it waits up to zaps.trigger.workflow-sync-timeout).
     */
    void saved(WorkflowDefinition definition) {
        publishOrRetryLater(definition.id(), WorkflowRecord.saved(definition));
    }

    /** Publishes that the workflow's current definition was removed; call it under the workflow's write lock. */
    void deleted(WorkflowDefinition removed) {
        int highest = store.listWorkflowVersions(removed.id()).stream().mapToInt(Integer::intValue).max().orElse(0);
        int version = Math.max(Math.max(WorkflowService.versionOf(removed), highest), 1);
        publishOrRetryLater(removed.id(), WorkflowRecord.deleted(removed.id(), version));
    }

    private void publishOrRetryLater(String id, WorkflowRecord record) {
        try {
            publisher.sendAndWait(Topics.WORKFLOWS, id, record, timeoutMs);
        } catch (RecordPublisher.PublishException | org.apache.kafka.common.KafkaException | org.springframework.kafka.KafkaException e) {
            retrySoon();
            log.warn("workflow '{}' version {} saved but not yet on {} (trying again within 1 s of Kafka answering): {}",
                    id, record.version(), Topics.WORKFLOWS, e.getMessage());
        }
    }

    /**
     * Publishes every workflow whose current definition (or deletion) the topic lacks.
     *
     * @return how many records it published
     */
    public int reconcile() {
        if (!view.awaitCaughtUp(Duration.ofMillis(Math.max(timeoutMs, 1000)))) {
            log.warn("{} could not be read to its end; workflows are compared with what was read", Topics.WORKFLOWS);
        }
        Set<String> ids = new TreeSet<>(store.listWorkflowIdsEverSaved());
        store.listWorkflows().forEach(w -> ids.add(w.id()));
        int published = 0;
        for (String id : ids) {
            try {
                if (behind(id, current(id), highest(id))) {
                    published += store.inspectWorkflow(id, head -> {
                        if (!behind(id, head.current(), head.highestVersion())) {
                            return 0;
                        }
                        if (head.current().isPresent()) {
                            publisher.sendAndWait(Topics.WORKFLOWS, id, WorkflowRecord.saved(head.current().get()), timeoutMs);
                        } else {
                            publisher.sendAndWait(Topics.WORKFLOWS, id, WorkflowRecord.deleted(id, head.highestVersion()), timeoutMs);
                        }
                        return 1;
                    });
                }
            } catch (RuntimeException e) {
                reconcileFailures.incrementAndGet();
                log.warn("workflow '{}' not published to {} (trying again in 1 s): {}", id, Topics.WORKFLOWS, e.toString());
            }
        }
        if (published > 0) {
            log.info("published {} workflow records the topic {} lacked", published, Topics.WORKFLOWS);
        }
        return published;
    }

    private Optional<WorkflowDefinition> current(String id) {
        return store.findWorkflow(id);
    }

    private int highest(String id) {
        return store.listWorkflowVersions(id).stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Whether the topic (as far as the view read it) lacks what the files say. */
    private boolean behind(String id, Optional<WorkflowDefinition> current, int highest) {
        if (current.isPresent()) {
            int version = WorkflowService.versionOf(current.get());
            return version > 0 && view.version(id) < version;
        }
        return highest > 0 && (view.version(id) < highest || (view.version(id) == highest && !view.deleted(id)));
    }

    @Override
    protected boolean reconcilePass() {
        int before = reconcileFailures.get();
        reconcile();
        return reconcileFailures.get() == before;
    }
}
