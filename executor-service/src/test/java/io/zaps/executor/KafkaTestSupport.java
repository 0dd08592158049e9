package io.zaps.executor;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.executor.stream.ExecutorStreams;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** A real single-node KRaft broker, the executor started as the launcher starts it, and plain Kafka clients. */
final class KafkaTestSupport {
    private KafkaTestSupport() {}

    static EmbeddedKafkaKraftBroker startBroker() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 2);
        // Not spring.kafka.bootstrap-servers (the default): that system property would outlive the broker
        // and leak into every later test in this JVM. The tests pass the address explicitly.
        broker.brokerListProperty("zaps.executor.test.brokers");
        broker.brokerProperties(Map.of(
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1",
                "auto.create.topics.enable", "false"));
        broker.afterPropertiesSet();
        return broker;
    }

    static ConfigurableApplicationContext startExecutor(String bootstrapServers, Path stateDir) {
        ConfigurableApplicationContext context = ExecutorApplication.application().run(
                "--zaps.executor.bootstrap-servers=" + bootstrapServers,
                "--zaps.executor.state-dir=" + stateDir,
                "--zaps.executor.partitions=2");
        ExecutorStreams streams = context.getBean(ExecutorStreams.class);
        await("executor streams running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return context;
    }

    static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
    }

    static String newRunId() {
        return UUID.randomUUID().toString();
    }

    /** Another run id whose records land on the same partition as {@code runId}'s (Kafka's default key hashing). */
    static String runIdOnSamePartition(String runId, int partitions) {
        int target = partition(runId, partitions);
        while (true) {
            String candidate = newRunId();
            if (partition(candidate, partitions) == target) {
                return candidate;
            }
        }
    }

    private static int partition(String key, int partitions) {
        return org.apache.kafka.common.utils.Utils.toPositive(
                org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
    }

    static StartRun delayThenWebhook(String runId, int delaySeconds) {
        ObjectNode delay = Json.object().put("seconds", delaySeconds);
        ObjectNode webhook = (ObjectNode) Json.mapper().readTree("""
                {"url": "http://127.0.0.1:8001/notify", "method": "POST",
                 "body": {"to": "{{ customer_email }}", "amount": "{{ amount }}"}}""");
        WorkflowDefinition workflow = new WorkflowDefinition("invoice_reminder", "Invoice reminder", null, "delay_step",
                WorkflowStatus.ACTIVE, List.of(
                        new StepDefinition("delay_step", "delay", delay, "send_reminder"),
                        new StepDefinition("send_reminder", "webhook", webhook, null)),
                1, Instant.now(), Instant.now());
        ObjectNode context = Json.object().put("customer_email", "john@example.com").put("amount", "$150.00");
        return new StartRun(SchemaVersions.CURRENT, runId, workflow, context, "evt-" + runId, Instant.now());
    }

    /** Reads topics (read_committed, from the start) on its own thread and keeps every record. */
    static final class Collector implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        Collector(String bootstrapServers, String... topics) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.GROUP_ID_CONFIG, "executor-test-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.METADATA_MAX_AGE_CONFIG, 500),
                    new StringDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(topics));
            thread = new Thread(this::poll, "executor-test-collector");
            thread.setDaemon(true);
            thread.start();
        }

        private void poll() {
            try {
                while (running) {
                    consumer.poll(Duration.ofMillis(50)).forEach(records::add);
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(2));
            }
        }

        List<ConsumerRecord<String, byte[]>> records(String topic, String key) {
            return records.stream().filter(r -> r.topic().equals(topic) && key.equals(r.key())).toList();
        }

        List<RunEvent> events(String runId) {
            return records(io.zaps.contract.Topics.RUN_EVENTS, runId).stream()
                    .map(r -> Json.read(r.value(), RunEvent.class)).toList();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(5_000);
        }
    }
}
