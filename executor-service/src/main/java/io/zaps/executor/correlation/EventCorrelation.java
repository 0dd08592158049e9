package io.zaps.executor.correlation;

import io.zaps.kafka.DeadLetters;
import io.zaps.contract.Topics;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.SubscriptionCommand;
import io.zaps.executor.stream.JsonSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Event correlation in the executor's topology ({@code wait_for_event}): a second sub-topology beside the
 * run commands, reading {@link Topics#EVENTS} and {@link Topics#EVENT_SUBSCRIPTIONS}, both keyed by the
 * correlation key and with the same number of partitions, so that the task of partition {@code p} holds every
 * subscription to, and sees every event of, the keys that hash to {@code p} (as Zeebe correlates messages
 * on the partition of their correlation key). The run-commands processor cannot look runs up by key: it is
 * partitioned by run id. So a waiting step's {@code subscribe} travels to its key's partition, and an event
 * there becomes a {@code resume_step} per waiting run on {@link Topics#RUN_COMMANDS}, keyed by run id.
 * Exactly-once like the rest of the application: store changes, produced records and offsets commit together.
 */
public final class EventCorrelation {
    /** Where {@link io.zaps.executor.run.SubscriptionEffect}s go: the run-commands processor forwards them here. */
    public static final String SUBSCRIPTIONS_SINK = "event-subscriptions-sink";
    /** {@code <key>\0<run id>\0<step id>\0<attempt>} -> the {@code subscribe} record (JSON); changelogged. */
    public static final String SUBSCRIPTIONS_STORE = "event-subscriptions";
    /** {@code <expiry epoch millis, 19 digits>/<subscription key>} -> nothing: when each subscription is dropped; changelogged. */
    public static final String EXPIRY_STORE = "event-subscriptions-expiry";

    static final String EVENTS_SOURCE = "events-source";
    static final String SUBSCRIPTIONS_SOURCE = "event-subscriptions-source";
    static final String PROCESSOR = "event-correlation-processor";
    static final String RESUME_SINK = "resume-step-sink";
    static final String EVENTS_DLT_SINK = "events-dlt-sink";
    static final String SUBSCRIPTIONS_DLT_SINK = "event-subscriptions-dlt-sink";

    private EventCorrelation() {}

    /**
     * Adds the correlation to {@code topology}, and the sink of subscription commands to {@code runProcessor}.
     *
     * @param maxDataBytes the largest {@code data} an event may carry (a step's output limit); larger ones are dead-lettered
     * @param deadLetters  counts them
     */
    public static void addTo(Topology topology, String runProcessor, Clock clock, int maxDataBytes, DeadLetters deadLetters) {
        topology.addSink(SUBSCRIPTIONS_SINK, Topics.EVENT_SUBSCRIPTIONS, new StringSerializer(),
                new JsonSerializer<SubscriptionCommand>(), runProcessor);

        topology.addSource(EVENTS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), Topics.EVENTS);
        topology.addSource(SUBSCRIPTIONS_SOURCE, Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
                Topics.EVENT_SUBSCRIPTIONS);
        topology.addProcessor(PROCESSOR, () -> new EventCorrelationProcessor(clock, maxDataBytes, deadLetters), EVENTS_SOURCE, SUBSCRIPTIONS_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SUBSCRIPTIONS_STORE), Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(EXPIRY_STORE), Serdes.String(), Serdes.ByteArray()), PROCESSOR);
        topology.addSink(RESUME_SINK, Topics.RUN_COMMANDS, new StringSerializer(), new JsonSerializer<ResumeStep>(), PROCESSOR);
        topology.addSink(EVENTS_DLT_SINK, Topics.deadLetter(Topics.EVENTS), new StringSerializer(), Serdes.ByteArray().serializer(), PROCESSOR);
        topology.addSink(SUBSCRIPTIONS_DLT_SINK, Topics.deadLetter(Topics.EVENT_SUBSCRIPTIONS), new StringSerializer(),
                Serdes.ByteArray().serializer(), PROCESSOR);
    }

    /** The topics the correlation reads and writes besides the run commands, all with the same partitions. */
    public static List<NewTopic> topics(int partitions, short replicationFactor) {
        return List.of(
                new NewTopic(Topics.EVENTS, partitions, replicationFactor),
                new NewTopic(Topics.deadLetter(Topics.EVENTS), partitions, replicationFactor),
                new NewTopic(Topics.EVENT_SUBSCRIPTIONS, partitions, replicationFactor),
                new NewTopic(Topics.deadLetter(Topics.EVENT_SUBSCRIPTIONS), partitions, replicationFactor));
    }

    /**
     * Fails unless {@link Topics#EVENTS} and {@link Topics#EVENT_SUBSCRIPTIONS} have as many partitions: otherwise
     * an event and the subscriptions to its key may land on different tasks and never meet. Kafka Streams checks
     * this only for joins.
     */
    public static void requireCoPartitioned(Admin admin, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, TopicDescription> topics;
        while (true) {
            try {
                topics = admin.describeTopics(List.of(Topics.EVENTS, Topics.EVENT_SUBSCRIPTIONS)).allTopicNames()
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                break;
            } catch (ExecutionException e) {
                // Just created: the metadata may take a moment to reach the broker that answers.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot describe " + Topics.EVENTS + " and " + Topics.EVENT_SUBSCRIPTIONS + ": " + e.getCause(), e);
                }
                pause();
            } catch (TimeoutException e) {
                throw new IllegalStateException("cannot describe " + Topics.EVENTS + " and " + Topics.EVENT_SUBSCRIPTIONS
                        + " within " + timeout, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topics", e);
            }
        }
        int events = topics.get(Topics.EVENTS).partitions().size();
        int subscriptions = topics.get(Topics.EVENT_SUBSCRIPTIONS).partitions().size();
        if (events != subscriptions) {
            throw new IllegalStateException(Topics.EVENTS + " has " + events + " partitions and " + Topics.EVENT_SUBSCRIPTIONS + " "
                    + subscriptions + ": they must have as many for events to meet the runs waiting for them");
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        }
    }
}
