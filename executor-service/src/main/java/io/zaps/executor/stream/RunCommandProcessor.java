package io.zaps.executor.stream;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.Topics;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.executor.run.Decision;
import io.zaps.executor.run.Effect;
import io.zaps.executor.run.SubscriptionEffect;
import io.zaps.executor.correlation.EventCorrelation;
import io.zaps.executor.run.RunCommandChecks;
import io.zaps.executor.run.RunLimits;
import io.zaps.executor.run.RunState;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.kafka.DeadLetters;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.executor.timer.TimerKey;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.TraceHeaders;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The thin shell around {@link RunStateMachine}: parse, load the run, decide, then store the state
 * and forward records, all inside the task's exactly-once transaction. A record that cannot be
 * understood goes to the dead-letter topic and processing continues.
 *
 * <p>Its wall-clock punctuation, in the same transaction, hands each due timer to the same
 * load-decide-store path as a command ({@link TaskTimers}), then sweeps the finished runs
 * ({@link FinishedRunSweep}). Timers are not stored: they follow from the stored state of the live
 * runs ({@link RunStateMachine#pendingTimers}), so {@link #init} derives them from the {@code runs}
 * store and each decision's timer effects keep them current. A crash loses nothing: the state the
 * timers derive from is committed with everything else.
 */
final class RunCommandProcessor implements Processor<String, byte[], String, Object> {
    private static final Logger log = LoggerFactory.getLogger(RunCommandProcessor.class);
    /** Runs whose parsed state is kept per task; a run leaves the cache when it finishes. */
    static final int MAX_CACHED_RUNS = 1_000;

    private final RunStateMachine machine;
    private final Clock clock;
    private final Duration timerInterval;
    private final long eagerCommitWithinMs;
    private final FinishedRunStore.Retention retention;
    private final RunTracing tracing;
    private final ExecutorMeters meters;

    private ProcessorContext<String, Object> context;
    /** The live state: runs that have not finished. */
    private KeyValueStore<String, byte[]> runs;
    private final TaskTimers timers;
    private FinishedRunStore finished;
    private FinishedRunSweep sweep;
    /**
     * Parsed {@link RunState} of the active runs of this task, written through with the store: a
     * command need not parse the run's JSON (which pins the whole workflow) again. Only this
     * processor writes the store, and the cache is dropped whenever the task is (re)initialized or
     * closed (rebalance, task migration, an aborted transaction reviving the task from its
     * changelog), so it never holds a state the store does not.
     */
    private final Map<String, RunState> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RunState> eldest) {
            return size() > MAX_CACHED_RUNS;
        }
    };

    RunCommandProcessor(RunStateMachine machine, Clock clock, Duration timerInterval, Duration eagerCommitWithin,
                        FinishedRunStore.Retention retention) {
        this(machine, clock, timerInterval, eagerCommitWithin, retention, RunTracing.noop(), ExecutorMeters.none());
    }

    /**
     * @param tracing each command and timer is handled in a span of its run's trace (from the record's headers, else the
     *                traceparent kept in the run's state), with the run in the logging context; the records it forwards
     *                carry that span's context
     * @param meters  where step attempts, retries, timer lag and dead letters are recorded
     */
    RunCommandProcessor(RunStateMachine machine, Clock clock, Duration timerInterval, Duration eagerCommitWithin,
                        FinishedRunStore.Retention retention, RunTracing tracing, ExecutorMeters meters) {
        this.tracing = tracing;
        this.meters = meters;
        this.machine = machine;
        this.clock = clock;
        this.timerInterval = timerInterval;
        this.eagerCommitWithinMs = eagerCommitWithin.toMillis();
        this.retention = retention;
        this.timers = new TaskTimers(machine, meters);
    }

    /** A run's state and where it was found. */
    private record Loaded(RunState state, boolean live) {
        static final Loaded NONE = new Loaded(null, false);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        cache.clear();
        this.context = context;
        this.runs = context.getStateStore(ExecutorTopology.RUNS_STORE);
        this.finished = new FinishedRunStore(context.getStateStore(ExecutorTopology.FINISHED_RUNS_STORE),
                context.getStateStore(ExecutorTopology.FINISHED_EXPIRY_STORE), retention);
        this.sweep = new FinishedRunSweep(runs, finished);
        // parsed anyway: a run's next command need not parse it again
        timers.initialize(context.taskId(), now(), runs, cache::put);
        context.schedule(timerInterval, PunctuationType.WALL_CLOCK_TIME, ignored -> punctuate());
    }

    /** How many timers this task waits on (for tests: the index is not visible from outside otherwise). */
    int pendingTimerCount() {
        return timers.size();
    }

    @Override
    public void process(Record<String, byte[]> record) {
        timers.read(now());
        handle(record);
        if (commitAtOnce(clock.millis(), record.timestamp(), eagerCommitWithinMs)) {
            context.commit();
        }
    }

    /**
     * Whether a command produced at {@code producedAt} and just processed asks for a commit at once: the
     * executor keeps up when its records are this fresh, so committing now costs little and saves the
     * next hop up to a commit interval; older records mean a backlog, which commits per interval batch.
     */
    static boolean commitAtOnce(long now, long producedAt, long withinMs) {
        return withinMs > 0 && now - producedAt <= withinMs;
    }

    private void handle(Record<String, byte[]> record) {
        RunCommand command;
        try {
            command = parse(record.key(), record.value());
        } catch (MalformedRecordException e) {
            deadLetter(record.key(), record.value(), record.headers(), e.getMessage());
            return;
        }
        LoadAttempt attempt = tryLoad(command.runId());
        Loaded loaded = attempt.loaded();
        try (RunTracing.RunScope trace = tracing.start("executor " + CommandTracing.commandName(command), SpanKind.CONSUMER,
                CommandTracing.parent(record.headers(), loaded.state()), command.runId(),
                CommandTracing.workflowId(command, loaded.state()), CommandTracing.stepId(command))) {
            Decision decision = decideOrAbandon(attempt, command, command.getClass().getSimpleName(), trace,
                    reason -> deadLetter(record.key(), record.value(), record.headers(), reason));
            if (decision != null) {
                apply(command, loaded, decision, record, trace);
            }
        }
    }

    /** The run's state, or why it could not be loaded (handled with the decision's failures, in the command's span). */
    private record LoadAttempt(Loaded loaded, Throwable failure) {
    }

    private LoadAttempt tryLoad(String runId) {
        try {
            return new LoadAttempt(load(runId), null);
        } catch (Throwable e) {
            return new LoadAttempt(Loaded.NONE, e);
        }
    }

    /**
     * The state machine's decision on {@code command}; when loading the run or deciding failed — an Error too (a stack
     * overflow, memory): one command must not stop every run on this partition — the input is dead-lettered and the
     * run fails instead ({@link #abandoned}); null when not even that is possible.
     *
     * @param what       names the input in the log and the run's error
     * @param deadLetter dead-letters the input with the given reason
     */
    private Decision decideOrAbandon(LoadAttempt attempt, RunCommand command, String what, RunTracing.RunScope trace,
                                     Consumer<String> deadLetter) {
        try {
            if (attempt.failure() != null) {
                throw attempt.failure();
            }
            return decide(attempt.loaded().state(), command);
        } catch (Throwable e) {
            trace.failed(e);
            String reason = RunLimits.shortened("the executor could not process " + what + ": " + e);
            log.error("cannot process {} for run {}; the run fails and it is dead-lettered", what, command.runId(), e);
            deadLetter.accept(reason);
            return abandoned(attempt.loaded(), reason);
        }
    }

    /** The decision that fails a run whose command could not be carried out; null when there is none to fail. */
    private Decision abandoned(Loaded loaded, String reason) {
        try {
            Decision decision = machine.abandon(loaded.state(), reason, now());
            return decision.wasIgnored() ? null : decision;
        } catch (Throwable e) {
            log.error("cannot fail run {} either; it stays as it was", loaded.state() == null ? null : loaded.state().run().runId(), e);
            return null;
        }
    }

    static RunCommand parse(String key, byte[] value) {
        RunCommand command = RunCommandChecks.validated(Json.read(value, RunCommand.class));
        if (!command.runId().equals(key)) {
            throw new MalformedRecordException("record key '" + key + "' is not the command's run_id '" + command.runId() + "'");
        }
        return command;
    }

    @Override
    public void close() {
        cache.clear();
        timers.clear();
    }

    /** The run's state: from the cache, else parsed from the live store, else what is kept of it finished; none for an unknown run. */
    private Loaded load(String runId) {
        RunState cached = cache.get(runId);
        if (cached != null) {
            return new Loaded(cached, true);
        }
        byte[] stored = runs.get(runId);
        if (stored != null) {
            return new Loaded(Json.read(stored, RunState.class), true);
        }
        RunState kept = finished.get(runId);
        return kept == null ? Loaded.NONE : new Loaded(kept, false);
    }

    private Decision decide(RunState state, RunCommand command) {
        Decision decision = machine.decide(state, command, now());
        if (decision.wasIgnored()) {
            log.debug("ignored {} for run {}: {}", command.getClass().getSimpleName(), command.runId(), decision.ignored());
        }
        return decision;
    }

    /**
     * Applies {@code decision} unless its state would not fit a record: then the run fails instead
     * ({@link RunStateMachine#abandon} from the state it had, or, for a start, {@link RunStateMachine#reject}
     * without its context), so that nothing this processor produces can exceed the topics' limit.
     *
     * @param source the record being processed, for a dead letter the decision asks for (null for a timer)
     */
    private void apply(RunCommand command, Loaded loaded, Decision decision, Record<String, byte[]> source, RunTracing.RunScope trace) {
        if (decision.wasIgnored()) {
            return;
        }
        RunState state = CommandTracing.traced(decision.state(), trace);
        byte[] bytes = Json.toBytes(state);
        if (bytes.length > machine.limits().maxStateBytes()) {
            String reason = "the run's state would be " + bytes.length + " bytes, more than the " + machine.limits().maxStateBytes()
                    + " the executor keeps for a run (" + command.getClass().getSimpleName() + " not applied)";
            log.warn("run {}: {}", command.runId(), reason);
            decision = command instanceof StartRun start && loaded.state() == null
                    ? machine.reject(start, now(), reason, false)
                    : machine.abandon(loaded.state(), reason, now());
            if (decision.wasIgnored()) {
                return;
            }
            state = CommandTracing.traced(decision.state(), trace);
            bytes = Json.toBytes(state);
            if (bytes.length > machine.limits().maxStateBytes() + RunLimits.FAILURE_HEADROOM_BYTES) {
                log.error("run {}: even failed, its state is {} bytes; left as it was", command.runId(), bytes.length);
                return;
            }
        }
        store(command.runId(), loaded, state, bytes);
        meters.decided(loaded.state() == null ? null : loaded.state().run(), state.run());
        if (log.isDebugEnabled()) {
            log.debug("run {}: {} decided, now {} with {} effects", command.runId(), CommandTracing.commandName(command), state.run().status().wireName(),
                    decision.effects().size());
        }
        long timestamp = clock.millis();
        Context span = trace.context();
        for (Effect effect : decision.effects()) {
            if (effect instanceof Effect.ScheduleTimer timer) {
                timers.schedule(timer);
            } else if (effect instanceof Effect.CancelTimer cancel) {
                timers.cancel(cancel);
            } else if (effect instanceof Effect.DispatchStep dispatch) {
                context.forward(new Record<>(command.runId(), dispatch.request(), timestamp, CommandTracing.headers(span)), ExecutorTopology.STEP_REQUESTS_SINK);
            } else if (effect instanceof Effect.PublishEvent publish) {
                context.forward(new Record<>(command.runId(), publish.event(), timestamp,
                        TraceHeaders.inject(span, eventHeaders(publish.event()))), ExecutorTopology.RUN_EVENTS_SINK);
            } else if (effect instanceof Effect.RequestTrigger request) {
                String key = Ids.runIdForEvent(request.trigger().eventId());
                context.forward(new Record<>(key, request.trigger(), timestamp, CommandTracing.headers(span)),
                        request.trigger().parent() == null ? ExecutorTopology.TRIGGERS_SINK : ExecutorTopology.CALL_TRIGGERS_SINK);
            } else if (effect instanceof Effect.SendCommand send) {
                context.forward(new Record<>(send.command().runId(), send.command(), timestamp, CommandTracing.headers(span)), ExecutorTopology.RUN_COMMANDS_SINK);
            } else if (effect instanceof SubscriptionEffect subscription) {
                context.forward(new Record<>(subscription.command().key(), subscription.command(), timestamp, CommandTracing.headers(span)),
                        EventCorrelation.SUBSCRIPTIONS_SINK);
            } else if (effect instanceof Effect.DeadLetter dead) {
                if (source != null) {
                    deadLetter(source.key(), source.value(), source.headers(), dead.reason());
                } else {
                    deadLetter(command.runId(), Json.toBytes(command), new RecordHeaders(), dead.reason());
                }
            }
        }
    }

    /**
     * Stores the decided state where it belongs: an unfinished run in the live store, a finished one
     * (after its final event, which the effects publish in the same transaction) out of it and
     * into the finished store, so that the live store holds only runs that may still change.
     */
    private void store(String runId, Loaded loaded, RunState state, byte[] bytes) {
        if (state.run().status().isFinal()) {
            cache.remove(runId);
            if (loaded.live()) {
                runs.delete(runId);
            }
            finished.put(state, now());
        } else {
            runs.put(runId, bytes);
            cache.put(runId, state);
            if (loaded.state() != null && !loaded.live()) {
                finished.remove(runId); // a failed run resumed by retry_run
            }
        }
    }

    /** {@link Topics#HEADER_EVENT_TYPE} and {@link Topics#HEADER_REVISION}: readers pick events without parsing them. */
    static Headers eventHeaders(RunEvent event) {
        Headers headers = new RecordHeaders();
        headers.add(Topics.HEADER_EVENT_TYPE, utf8(event.type().wireName()));
        headers.add(Topics.HEADER_REVISION, utf8(Long.toString(event.run().revision())));
        return headers;
    }

    /** Millisecond precision, like Kafka timestamps and timer keys; also keeps snapshots' times short. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Fires the due timers ({@link TaskTimers#fireDue}), then sweeps the finished runs ({@link FinishedRunSweep}). */
    private void punctuate() {
        if (timers.fireDue(now(), context.currentStreamTimeMs(), this::fire) > 0 && eagerCommitWithinMs > 0) {
            context.commit(); // a delay that ended goes on at once, not a commit interval later
        }
        sweep.sweep(now());
    }

    /** One due timer, in a span of its run's trace (the traceparent kept in the run's state: a timer has no record). */
    private void fire(TimerKey key) {
        FireTimer fire = key.command();
        LoadAttempt attempt = tryLoad(key.runId());
        Loaded loaded = attempt.loaded();
        Context parent = loaded.state() == null ? Context.root() : TraceHeaders.fromTraceparent(loaded.state().traceparent());
        try (RunTracing.RunScope trace = tracing.start("executor fire_timer", SpanKind.INTERNAL, parent, key.runId(),
                loaded.state() == null ? null : loaded.state().run().workflowId(), key.stepId())) {
            Decision decision = decideOrAbandon(attempt, fire, "the " + key, trace,
                    reason -> deadLetter(key.runId(), Json.toBytes(fire), new RecordHeaders(), reason));
            if (decision == null) {
                return;
            }
            if (decision.wasIgnored() && decision.ignored().reason() == Decision.IgnoreReason.NOT_DUE) {
                // Only possible if the key's due time is earlier than the step's; keep it rather than lose the run.
                log.warn("the {} fired early ({}); kept for the next round", key, decision.ignored().detail());
                timers.schedule(key);
                return;
            }
            apply(fire, loaded, decision, null, trace);
        }
    }

    private void deadLetter(String key, byte[] value, Headers original, String reason) {
        log.warn("dead-lettering record with key {} from {}: {}", key, Topics.RUN_COMMANDS, reason);
        // A timer dead-lettered from a punctuation has no source record, hence no source headers.
        Optional<RecordMetadata> metadata = context.recordMetadata().filter(m -> m.topic() != null);
        Headers headers = metadata.isPresent()
                ? DeadLetters.headers(original, reason, metadata.get().topic(), metadata.get().partition(), metadata.get().offset())
                : DeadLetters.headers(original, reason, null, 0, 0);
        meters.deadLetters().count(Topics.RUN_COMMANDS);
        context.forward(new Record<String, Object>(key, value, clock.millis(), headers), ExecutorTopology.DEAD_LETTER_SINK);
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
