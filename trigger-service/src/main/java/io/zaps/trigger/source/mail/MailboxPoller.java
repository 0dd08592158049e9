package io.zaps.trigger.source.mail;

import io.zaps.contract.Ids;
import io.zaps.contract.trigger.EmailTrigger;
import io.zaps.contract.trigger.TriggerSpec;
import io.zaps.contract.trigger.Triggers;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.trigger.source.WorkflowOwnership;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the mailboxes of the email-triggered workflows this instance owns. Every {@code scan-interval} it reads the
 * workflow definitions (through the {@link WorkflowCatalog}'s cache) and polls each mailbox that is due on a small
 * pool of threads, one poll per mailbox at a time:
 * <ul>
 *   <li>only {@code active} workflows whose trigger is {@code email} and which {@link WorkflowOwnership} gives to this
 *       instance are polled; a paused workflow's mailbox waits (its cursor stays, so messages that arrived meanwhile
 *       start runs once it is active again); a changed trigger is polled at once;</li>
 *   <li>a good poll is followed by the next one {@code poll_seconds} later (at once when messages are left over);</li>
 *   <li>a failed one (login refused, server unreachable, missing secret) is logged, without secrets, and retried with
 *       {@link PollBackoff backoff}; nothing a mailbox does stops the others or the service.</li>
 * </ul>
 */
final class MailboxPoller implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(MailboxPoller.class);

    private final WorkflowCatalog catalog;
    private final WorkflowOwnership ownership;
    private final MailboxPoll poll;
    private final MailProperties properties;
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private final Map<String, String> problems = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService scanner;
    private volatile ExecutorService pollers;
    private volatile boolean running;

    /** One watched mailbox; its fields are written by one poll or scan at a time (see {@code busy}). */
    private static final class Watch {
        volatile EmailTrigger trigger;
        volatile long dueNanos;
        volatile int failures;
        final AtomicBoolean busy = new AtomicBoolean();

        Watch(EmailTrigger trigger, long dueNanos) {
            this.trigger = trigger;
            this.dueNanos = dueNanos;
        }
    }

    /**
     */
    MailboxPoller(WorkflowCatalog catalog, WorkflowOwnership ownership, MailboxPoll poll, MailProperties properties) {
        this.catalog = catalog;
        this.ownership = ownership;
        this.poll = poll;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        pollers = Executors.newFixedThreadPool(properties.threads(), threads("zaps-mail-poll-"));
        scanner = Executors.newSingleThreadScheduledExecutor(threads("zaps-mail-scan-"));
        running = true;
        long interval = properties.scanInterval().toMillis();
        scanner.scheduleWithFixedDelay(this::scan, 0, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        scanner.shutdownNow();
        // Interrupts a poll waiting for Kafka: its message stays above the cursor and is read again by whoever polls next.
        pollers.shutdownNow();
        try {
            if (!pollers.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("a mailbox poll is still running at shutdown (it ends by its IMAP timeout of {}s)", properties.timeout().toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watches.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Which workflows' mailboxes are watched now (for tests and diagnostics). */
    Set<String> watched() {
        return Set.copyOf(watches.keySet());
    }

    void scan() {
        try {
            long now = System.nanoTime();
            Set<String> current = new HashSet<>();
            for (String workflowId : workflowIds()) {
                Optional<EmailTrigger> trigger = emailTrigger(workflowId);
                if (trigger.isEmpty() || !ownership.owns(workflowId)) {
                    continue;
                }
                current.add(workflowId);
                Watch watch = watches.computeIfAbsent(workflowId, id -> new Watch(trigger.get(), now));
                if (!watch.trigger.equals(trigger.get()) && watch.busy.compareAndSet(false, true)) {
                    watch.trigger = trigger.get();
                    watch.failures = 0;
                    watch.dueNanos = now;
                    watch.busy.set(false);
                }
                if (now - watch.dueNanos >= 0 && watch.busy.compareAndSet(false, true)) {
                    submit(workflowId, watch);
                }
            }
            // A watch whose poll is still running stays until it ends, so that a workflow owned again at once is not
            // polled twice in parallel; busy only turns true on this thread, so a watch seen idle here stays idle.
            watches.entrySet().removeIf(e -> !current.contains(e.getKey()) && !e.getValue().busy.get());
        } catch (RuntimeException e) {
            log.warn("scanning the workflows for email triggers failed (next scan in {} ms): {}", properties.scanInterval().toMillis(), e.toString());
        }
    }

    private void submit(String workflowId, Watch watch) {
        try {
            pollers.execute(() -> run(workflowId, watch));
        } catch (RejectedExecutionException e) {
            watch.busy.set(false); // shutting down
        }
    }

    private void run(String workflowId, Watch watch) {
        EmailTrigger trigger = watch.trigger;
        try {
            MailboxPoll.Result result = poll.poll(workflowId, trigger);
            if (watch.failures > 0) {
                log.info("workflow {}: {} answers again after {} failed poll(s)", workflowId, ImapMailbox.where(trigger), watch.failures);
            }
            watch.failures = 0;
            watch.dueNanos = System.nanoTime() + (result.more() ? 0 : Duration.ofSeconds(trigger.pollSeconds()).toNanos());
            if (result.fired() > 0 || result.filteredOut() > 0) {
                log.info("workflow {}: {} new message(s) in {} started runs, {} did not pass the filters", workflowId,
                        result.fired(), ImapMailbox.where(trigger), result.filteredOut());
            }
        } catch (MailboxException e) {
            failed(workflowId, watch, trigger, e.getMessage());
        } catch (RuntimeException e) {
            // Not a mail problem (a bug, the data folder): the message holds no password, which only the poll knows.
            failed(workflowId, watch, trigger, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            watch.busy.set(false);
        }
    }

    private void failed(String workflowId, Watch watch, EmailTrigger trigger, String reason) {
        int failures = ++watch.failures;
        Duration wait = PollBackoff.next(trigger.pollSeconds(), failures, properties.maxBackoff());
        watch.dueNanos = System.nanoTime() + wait.toNanos();
        log.warn("workflow {}: polling the mailbox failed ({} in a row, next attempt in {}s): {}", workflowId, failures,
                wait.toSeconds(), reason);
    }

    private Optional<EmailTrigger> emailTrigger(String workflowId) {
        try {
            Optional<WorkflowDefinition> definition = catalog.find(workflowId);
            if (definition.isEmpty() || definition.get().statusOrDefault() != WorkflowStatus.ACTIVE || definition.get().trigger() == null) {
                problems.remove(workflowId);
                return Optional.empty();
            }
            TriggerSpec spec = Triggers.parse(definition.get().trigger());
            problems.remove(workflowId);
            return spec instanceof EmailTrigger email ? Optional.of(email) : Optional.empty();
        } catch (RuntimeException e) {
            String problem = String.valueOf(e.getMessage());
            if (!problem.equals(problems.put(workflowId, problem))) {
                log.warn("workflow {}: cannot read its trigger, its mailbox is not watched: {}", workflowId, problem);
            }
            return Optional.empty();
        }
    }

    private List<String> workflowIds() {
        return new ArrayList<>(catalog.ids());
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
