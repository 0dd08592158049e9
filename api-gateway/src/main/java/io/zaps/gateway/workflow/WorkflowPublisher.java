package io.zaps.gateway.workflow;

import io.zaps.contract.Topics;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.workflow.WorkflowView;
import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Puts the workflow definitions of the data folder on {@link Topics#WORKFLOWS}, where the services that run workflows
 * read them without the data folder. Every save and delete is published under the workflow's write lock
 * ({@link FileStore#saveWorkflow(String, FileStore.WorkflowChange, java.util.function.Consumer)}), so the topic receives
 * one workflow's records in the order of its versions, also from several gateways sharing the folder, and a write is
 * answered only once Kafka acknowledged its record.
 *
 * <p>What is on disk but not on the topic is published by {@link #reconcile()}: when the gateway starts (before it is
 * ready, so a data folder from before the topic existed works after an upgrade) and then every {@code interval}, which
 * also repairs a save whose publish failed (Kafka down: the save answers 503 and the version stays saved). It compares
 * the file store with a {@link WorkflowView} of the topic and publishes, under the workflow's lock, only where the topic
 * is behind.
 */
public final class WorkflowPublisher implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(WorkflowPublisher.class);

    private final FileStore store;
    private final RecordPublisher publisher;
    private final WorkflowView view;
    private final long timeoutMs;
    private final Duration interval;
    private volatile ScheduledExecutorService scheduler;

    public WorkflowPublisher(FileStore store, RecordPublisher publisher, WorkflowView view, Duration timeout, Duration interval) {
        this.store = store;
        this.publisher = publisher;
        this.view = view;
        this.timeoutMs = timeout.toMillis();
        this.interval = interval;
    }

    /** Publishes a saved version; call it under the workflow's write lock. */
    void saved(WorkflowDefinition definition) {
        publisher.sendAndWait(Topics.WORKFLOWS, definition.id(), WorkflowRecord.saved(definition), timeoutMs);
    }

    /** Publishes that the workflow's current definition was removed; call it under the workflow's write lock. */
    void deleted(WorkflowDefinition removed) {
        int highest = store.listWorkflowVersions(removed.id()).stream().mapToInt(Integer::intValue).max().orElse(0);
        int version = Math.max(Math.max(WorkflowService.versionOf(removed), highest), 1);
        publisher.sendAndWait(Topics.WORKFLOWS, removed.id(), WorkflowRecord.deleted(removed.id(), version), timeoutMs);
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
                            saved(head.current().get());
                        } else {
                            publisher.sendAndWait(Topics.WORKFLOWS, id, WorkflowRecord.deleted(id, head.highestVersion()), timeoutMs);
                        }
                        return 1;
                    });
                }
            } catch (RuntimeException e) {
                log.warn("workflow '{}' not published to {} (next try in {} s): {}", id, Topics.WORKFLOWS, interval.toSeconds(), e.toString());
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
    public void start() {
        reconcile();
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "zaps-workflow-publisher");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(() -> {
            try {
                reconcile();
            } catch (RuntimeException e) {
                log.warn("publishing the workflows to {} failed: {}", Topics.WORKFLOWS, e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        scheduler = executor;
    }

    @Override
    public void stop() {
        ScheduledExecutorService executor = scheduler;
        scheduler = null;
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return scheduler != null;
    }

    /** After the view (it reads the topic first), before the listener containers. */
    @Override
    public int getPhase() {
        return WorkflowView.PHASE + 1;
    }
}
