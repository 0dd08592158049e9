package io.zaps.executor.stream;

import io.zaps.contract.Topics;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.executor.correlation.EventCorrelation;
import io.zaps.executor.finished.FinishedRunStore;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.kafka.trace.RunTracing;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.time.Duration;

/**
 * The executor's topology: one source ({@link Topics#RUN_COMMANDS}), one processor holding the run
 * stores (timers are not stored: {@link io.zaps.executor.timer.TimerIndex}), and sinks for dead letters, step requests routed by step type, run events,
 * error-workflow triggers on {@link Topics#TRIGGERS}, {@code call_workflow} triggers on {@link Topics#CALL_TRIGGERS},
 * and commands to other runs on {@link Topics#RUN_COMMANDS}. Every output is keyed by run id (a trigger by
 * the id of the run it will start).
 */
public final class ExecutorTopology {
    /** Run id -> {@link io.zaps.executor.run.RunState} JSON of the runs that have not finished; changelogged. */
    public static final String RUNS_STORE = "runs";
    /** Run id -> what is kept of a finished run ({@link io.zaps.executor.finished.FinishedRunStore}); changelogged. */
    public static final String FINISHED_RUNS_STORE = "finished-runs";
    /** When each finished run is forgotten ({@link io.zaps.executor.finished.FinishedRunStore}); changelogged. */
    public static final String FINISHED_EXPIRY_STORE = "finished-runs-expiry";

    static final String SOURCE = "run-commands-source";
    static final String PROCESSOR = "run-command-processor";
    static final String DEAD_LETTER_SINK = "run-commands-dlt-sink";
    static final String STEP_REQUESTS_SINK = "step-requests-sink";
    static final String RUN_EVENTS_SINK = "run-events-sink";
    static final String TRIGGERS_SINK = "triggers-sink";
    static final String CALL_TRIGGERS_SINK = "call-triggers-sink";
    static final String RUN_COMMANDS_SINK = "run-commands-sink";

    private ExecutorTopology() {}

    /**
     * @param eagerCommitWithin a command processed within this age asks for a commit at once (zero: never);
     *                          see {@code ExecutorProperties#eagerCommitWithin}
     */
    public static Topology build(RunStateMachine machine, Clock clock, Duration timerInterval, Duration eagerCommitWithin,
                                 FinishedRunStore.Retention retention) {
        return build(machine, clock, timerInterval, eagerCommitWithin, retention, RunTracing.noop(), ExecutorMeters.none());
    }

    /**
     * @param tracing spans and logging context around each command and timer ({@link RunTracing})
     * @param meters  where the processors record step attempts, retries, timer lag and dead letters
     */
    public static Topology build(RunStateMachine machine, Clock clock, Duration timerInterval, Duration eagerCommitWithin,
                                 FinishedRunStore.Retention retention, RunTracing tracing, ExecutorMeters meters) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.RUN_COMMANDS);
        topology.addProcessor(PROCESSOR, () -> new RunCommandProcessor(machine, clock, timerInterval, eagerCommitWithin, retention, tracing, meters),
                SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(RUNS_STORE), Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FINISHED_RUNS_STORE), Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(FINISHED_EXPIRY_STORE), Serdes.String(), Serdes.ByteArray()), PROCESSOR);

        topology.addSink(DEAD_LETTER_SINK, Topics.deadLetter(Topics.RUN_COMMANDS),
                new StringSerializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        TopicNameExtractor<String, ExecuteStep> byStepType = (key, request, context) -> Topics.stepRequests(request.stepType());
        topology.addSink(STEP_REQUESTS_SINK, byStepType, new StringSerializer(), new JsonSerializer<ExecuteStep>(), PROCESSOR);
        topology.addSink(RUN_EVENTS_SINK, Topics.RUN_EVENTS, new StringSerializer(), new JsonSerializer<RunEvent>(), PROCESSOR);
        topology.addSink(TRIGGERS_SINK, Topics.TRIGGERS, new StringSerializer(), new JsonSerializer<TriggerRequested>(), PROCESSOR);
        // call_workflow's runs: an internal topic, the only one whose parent links the trigger service believes.
        topology.addSink(CALL_TRIGGERS_SINK, Topics.CALL_TRIGGERS, new StringSerializer(), new JsonSerializer<TriggerRequested>(), PROCESSOR);
        // Child runs' starts and cancels, and a child's end told to its parent: commands like any other, keyed by their run.
        topology.addSink(RUN_COMMANDS_SINK, Topics.RUN_COMMANDS, new StringSerializer(), new JsonSerializer<RunCommand>(), PROCESSOR);
        EventCorrelation.addTo(topology, PROCESSOR, clock, machine.limits().maxStepBytes(), meters.deadLetters());
        return topology;
    }
}
