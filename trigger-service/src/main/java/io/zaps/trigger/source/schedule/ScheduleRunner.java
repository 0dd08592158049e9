package io.zaps.trigger.source.schedule;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.trigger.ScheduleTrigger;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.trigger.source.ownership.PartitionOwnership;
import io.zaps.trigger.source.ownership.TriggeredWorkflows;
import io.zaps.trigger.source.ownership.TriggeredWorkflows.Triggered;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The shell around {@link SchedulePlanner}: one thread that keeps the schedules of the workflows this instance owns.
 * It re-reads the workflow definitions every scan interval (and when the ownership changes), sleeps until the next
 * tick of any owned schedule, and for each due tick publishes a {@code trigger_requested} onto {@link Topics#TRIGGERS}
 * (event id {@link ScheduleTrigger#eventId}, source {@value #SOURCE}, context {@code {"scheduled_at", "fired_at"}},
 * key: the workflow id), waits for Kafka's acknowledgement and only then moves the workflow's cursor on.
 *
 * <p>Everything done for one workflow runs inside {@link PartitionOwnership#callIfOwned}: a rebalance that takes the
 * workflow away waits for it, so the next owner reads a cursor that already holds every tick fired here. The cursor is
 * read again (from {@code zaps.trigger-cursors}, caught up with its end first) whenever the ownership changed since it
 * was last read, so an instance taking a workflow over continues from the previous owner's last acknowledged cursor.
 */
public final class ScheduleRunner implements SmartLifecycle {
    public static final String SOURCE = "schedule";
    private static final Logger log = LoggerFactory.getLogger(ScheduleRunner.class);
    private static final Duration ERROR_PAUSE = Duration.ofSeconds(1);

    private final TriggeredWorkflows workflows;
    private final PartitionOwnership ownership;
    private final ScheduleCursors cursors;
    private final SchedulePlanner planner;
    private final KafkaTemplate<String, byte[]> template;
    private final Clock clock;
    private final Duration scanInterval;
    private final Duration publishTimeout;
    private final String threadName;

    private final Object monitor = new Object();
    private final Map<String, Tracked> tracked = new HashMap<>();
    private boolean wakeRequested;
    private volatile boolean running;
    private Thread thread;

    public ScheduleRunner(TriggeredWorkflows workflows, PartitionOwnership ownership, ScheduleCursors cursors,
                          SchedulePlanner planner, KafkaTemplate<String, byte[]> template, Clock clock,
                          Duration scanInterval, Duration publishTimeout, String instanceId) {
        this.workflows = workflows;
        this.ownership = ownership;
        this.cursors = cursors;
        this.planner = planner;
        this.template = template;
        this.clock = clock;
        this.scanInterval = scanInterval;
        this.publishTimeout = publishTimeout;
        this.threadName = "zaps-schedules-" + instanceId;
        ownership.onChange(this::wakeUp);
    }

    /** One scheduled workflow as last seen; only touched by the runner's thread. */
    private static final class Tracked {
        Triggered<ScheduleTrigger> current;
        ScheduleCursor cursor;
        long cursorReadAt = -1;
        Instant nextDue;
        boolean owned;
    }

    @Override
    public void start() {
        synchronized (monitor) {
            if (running) {
                return;
            }
            running = true;
            thread = new Thread(this::loop, threadName);
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (monitor) {
            running = false;
            monitor.notifyAll();
            t = thread;
        }
        if (t != null) {
            try {
                // A fire in progress waits at most the publish timeout for its acknowledgement.
                t.join(publishTimeout.toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Makes the runner look at every schedule now (the ownership changed). */
    void wakeUp() {
        synchronized (monitor) {
            wakeRequested = true;
            monitor.notifyAll();
        }
    }

    private void loop() {
        Instant nextScan = Instant.MIN;
        long seenOwnership = -1;
        while (running) {
            try {
                Instant now = clock.instant();
                boolean lookAtAll = false;
                if (!now.isBefore(nextScan)) {
                    scan();
                    nextScan = now.plus(scanInterval);
                    lookAtAll = true;
                }
                long ownershipVersion = ownership.version();
                if (ownershipVersion != seenOwnership) {
                    seenOwnership = ownershipVersion;
                    lookAtAll = true;
                }
                Instant wake = nextScan;
                for (Tracked t : tracked.values()) {
                    if (!running) {
                        return;
                    }
                    if (lookAtAll || (t.nextDue != null && !clock.instant().isBefore(t.nextDue))) {
                        t.nextDue = evaluate(t);
                    }
                    if (t.nextDue != null && t.nextDue.isBefore(wake)) {
                        wake = t.nextDue;
                    }
                }
                sleepUntil(wake);
            } catch (RuntimeException e) {
                log.warn("schedules: {}", e.toString(), e);
                sleepUntil(clock.instant().plus(ERROR_PAUSE));
            }
        }
    }

    private void scan() {
        Map<String, Triggered<ScheduleTrigger>> current = workflows.find(ScheduleTrigger.class);
        for (Iterator<Map.Entry<String, Tracked>> it = tracked.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Tracked> entry = it.next();
            if (!current.containsKey(entry.getKey())) {
                String id = entry.getKey();
                // Deleted, or no longer on a schedule: its owner forgets the cursor.
                if (ownership.runIfOwned(id, () -> cursors.delete(id))) {
                    log.info("schedule of workflow '{}' removed", id);
                }
                it.remove();
            }
        }
        current.forEach((id, triggered) -> {
            Tracked t = tracked.computeIfAbsent(id, k -> new Tracked());
            if (t.current != null && !t.current.workflow().equals(triggered.workflow())) {
                t.nextDue = null;
            }
            t.current = triggered;
        });
    }

    /** Fires what is due for one workflow if this instance owns it; answers when to look again (null: at the next scan). */
    private Instant evaluate(Tracked t) {
        String id = t.current.workflow().id();
        Instant[] next = new Instant[1];
        boolean owned = ownership.runIfOwned(id, () -> {
            long version = ownership.version();
            if (t.cursorReadAt != version) {
                t.cursor = cursors.read(id).orElse(null);
                t.cursorReadAt = version;
            }
            WorkflowDefinition workflow = t.current.workflow();
            boolean active = workflow.statusOrDefault() == WorkflowStatus.ACTIVE;
            SchedulePlan plan = planner.plan(id, workflow.createdAt(), active, t.current.trigger(), t.cursor, clock.instant());
            if (!plan.note().isEmpty()) {
                log.info("schedule of workflow '{}': {}", id, plan.note());
            }
            if (plan.store().isPresent()) {
                cursors.write(plan.store().get());
                t.cursor = plan.store().get();
            }
            for (Instant tick : plan.fire()) {
                if (!fire(id, tick)) {
                    next[0] = clock.instant().plus(ERROR_PAUSE);
                    return;
                }
                ScheduleCursor moved = t.cursor.advancedTo(tick, clock.instant());
                cursors.write(moved);
                t.cursor = moved;
            }
            next[0] = plan.nextDue().orElse(null);
        });
        if (owned != t.owned) {
            t.owned = owned;
            log.info("schedule of workflow '{}' {} this instance{}", id, owned ? "runs on" : "no longer runs on",
                    owned && t.cursor != null ? " (handled up to " + t.cursor.lastTick() + ")" : "");
        }
        return next[0];
    }

    /** Publishes the trigger of one tick and waits for Kafka's acknowledgement; false (logged) when it did not come. */
    private boolean fire(String workflowId, Instant tick) {
        Instant now = clock.instant();
        ObjectNode context = Json.object();
        context.put("scheduled_at", tick.toString());
        context.put("fired_at", now.toString());
        TriggerRequested trigger = TriggerRequested.of(ScheduleTrigger.eventId(workflowId, tick), null, workflowId, context, SOURCE, now);
        try {
            template.send(Topics.TRIGGERS, workflowId, Json.toBytes(trigger)).get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
            log.debug("schedule of workflow '{}' fired tick {} ({} ms late)", workflowId, tick, Duration.between(tick, now).toMillis());
            return true;
        } catch (ExecutionException e) {
            log.warn("schedule of workflow '{}': could not publish tick {}, retrying: {}", workflowId, tick,
                    e.getCause() == null ? e.toString() : e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("schedule of workflow '{}': Kafka did not acknowledge tick {} within {} ms, retrying", workflowId, tick,
                    publishTimeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return false;
    }

    private void sleepUntil(Instant wake) {
        synchronized (monitor) {
            while (running && !wakeRequested) {
                long nanos = Duration.between(clock.instant(), wake).toNanos();
                if (nanos <= 0) {
                    break;
                }
                try {
                    // Rounded up: waking a little early would only mean looking once more.
                    monitor.wait(TimeUnit.NANOSECONDS.toMillis(nanos) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            wakeRequested = false;
        }
    }
}
