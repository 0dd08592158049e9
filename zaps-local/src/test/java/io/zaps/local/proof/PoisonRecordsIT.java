package io.zaps.local.proof;

import com.sun.net.httpserver.HttpServer;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.local.proof.ProofCluster.Service;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * On every topic a Zaps service consumes ({@link Topics#TRIGGERS}, {@link Topics#RUN_COMMANDS}, the
 * request topic of every external step type, {@link Topics#RUN_EVENTS}), three poison records (bad
 * JSON, an unknown {@code type}, an unknown {@code schema_version}) and then a good one, all with one
 * key so that they share a partition, in that order. Each poison record lands on the topic's
 * dead-letter topic unchanged, with headers naming the error and its source topic, partition and
 * offset; the good record behind them is still processed (its run completes, its step is answered,
 * its snapshot is projected).
 */
@ExtendWith(ProofCluster.Extension.class)
class PoisonRecordsIT {
    static ProofCluster cluster;
    static HttpServer receiver;
    static final List<String> received = new CopyOnWriteArrayList<>();

    /** A poison or good record as produced, and where it landed. */
    record Produced(String kind, byte[] value, RecordMetadata at) {}

    @BeforeAll
    static void start(ProofCluster shared) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        cluster = shared;
        cluster.ensureRunning(Service.values());
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    /** Every topic a Zaps service consumes, named as {@link Topics} names them. */
    static List<String> consumedTopics() {
        List<String> topics = new ArrayList<>(List.of(Topics.TRIGGERS, Topics.RUN_COMMANDS));
        StepTypes types = StepTypes.discover();
        for (String type : types.names()) {
            if (types.find(type).filter(StepSpec::external).isPresent()) {
                topics.add(Topics.stepRequests(type));
            }
        }
        topics.add(Topics.RUN_EVENTS);
        return topics;
    }

    @Test
    void poisonOnEveryConsumedTopicIsDeadLetteredAndTheNextRecordIsProcessed() throws Exception {
        cluster.createWorkflow("""
                {"id": "poison_probe", "name": "Poison probe", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 1}}]}""");
        ObjectNode definition = (ObjectNode) Json.mapper().readTree(cluster.get("/api/workflows/poison_probe").body());

        List<String> topics = consumedTopics();
        assertThat(topics).contains(Topics.stepRequests("webhook"), Topics.stepRequests("email"), Topics.stepRequests("pdf_extract"));
        Map<String, List<Produced>> produced = new LinkedHashMap<>();
        Map<String, Runnable> goodRecordProcessed = new LinkedHashMap<>();
        try (KafkaProducer<String, byte[]> producer = cluster.producer()) {
            for (String topic : topics) {
                String runId = UUID.randomUUID().toString();
                ObjectNode good;
                String key = runId;
                if (topic.equals(Topics.TRIGGERS)) {
                    key = "poison-probe";
                    good = object("""
                            {"type": "trigger_requested", "schema_version": 1, "workflow_id": "poison_probe", "event_id": "poison-good"}""");
                    String started = Ids.runIdForEvent("poison-good");
                    goodRecordProcessed.put(topic, () -> assertCompleted(started));
                } else if (topic.equals(Topics.RUN_COMMANDS)) {
                    good = object("""
                            {"type": "start_run", "schema_version": 1, "run_id": "%s", "context": {}, "event_id": "poison-good-command",
                             "requested_at": "%s"}""".formatted(runId, Instant.now()));
                    good.set("workflow", definition);
                    goodRecordProcessed.put(topic, () -> assertCompleted(runId));
                } else if (topic.equals(Topics.RUN_EVENTS)) {
                    good = runEvent(runId);
                    goodRecordProcessed.put(topic, () -> assertProjected(runId));
                } else {
                    String type = topic.substring(Topics.STEP_REQUESTS_PREFIX.length());
                    good = executeStep(runId, type);
                    goodRecordProcessed.put(topic, () -> assertAnswered(runId, type));
                }
                List<Produced> sent = new ArrayList<>();
                sent.add(send(producer, topic, key, "bad JSON", "{this is not json".getBytes(StandardCharsets.UTF_8)));
                sent.add(send(producer, topic, key, "unknown type", Json.toBytes(good.deepCopy().put("type", "no_such_type"))));
                sent.add(send(producer, topic, key, "unknown schema version", Json.toBytes(good.deepCopy().put("schema_version", 99))));
                sent.add(send(producer, topic, key, "good", Json.toBytes(good)));
                assertThat(sent).extracting(p -> p.at().partition()).as("one partition, in order").containsOnly(sent.get(0).at().partition());
                produced.put(topic, sent);
            }
        }
        cluster.log("poison produced on %s", topics);

        for (String topic : topics) {
            goodRecordProcessed.get(topic).run();
            cluster.log("%s: the good record behind the poison was processed", topic);
            List<Produced> poison = produced.get(topic).subList(0, 3);
            List<ConsumerRecord<String, byte[]>> dead = cluster.read(Topics.deadLetter(topic), Duration.ofSeconds(60),
                    records -> poison.stream().allMatch(p -> records.stream().anyMatch(from(topic, p))));
            for (Produced p : poison) {
                ConsumerRecord<String, byte[]> letter = dead.stream().filter(from(topic, p)).findFirst().orElseThrow();
                String reason = ProofCluster.header(letter, Topics.HEADER_DLT_REASON);
                cluster.log("%s %s (partition %d offset %d) dead-lettered: %s", topic, p.kind(), p.at().partition(), p.at().offset(), reason);
                assertThat(letter.value()).as("the original bytes").isEqualTo(p.value());
                assertThat(reason).as(topic + " " + p.kind()).isNotBlank();
                switch (p.kind()) {
                    case "bad JSON" -> assertThat(reason).as(topic + " " + p.kind()).startsWith("cannot read");
                    case "unknown type" -> assertThat(reason).as(topic + " " + p.kind()).contains("no_such_type");
                    case "unknown schema version" -> assertThat(reason).as(topic + " " + p.kind()).contains("schema_version").contains("99");
                    default -> throw new IllegalStateException(p.kind());
                }
            }
        }
    }

    // ------------------------------------------------------------------ records

    private static ObjectNode object(String json) {
        return (ObjectNode) Json.mapper().readTree(json);
    }

    /** A request the connector of {@code type} can act on. */
    private static ObjectNode executeStep(String runId, String type) {
        ObjectNode config = switch (type) {
            case "webhook" -> object("""
                    {"url": "http://127.0.0.1:%d/probe", "method": "POST", "body": {"probe": true}, "timeout_seconds": 10}"""
                    .formatted(receiver.getAddress().getPort()));
            case "email" -> object("""
                    {"host": "127.0.0.1", "port": %d, "tls": "none", "from": "probe@zaps.test", "to": "ops@zaps.test",
                     "subject": "probe", "text": "probe", "timeout_seconds": 5}""".formatted(closedPort()));
            case "pdf_extract" -> object("""
                    {"ref": "sha256:%s", "fields": ["Total"]}""".formatted("0".repeat(64)));
            default -> throw new IllegalStateException("no probe request for step type " + type + ": add one here");
        };
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        ObjectNode request = object("""
                {"type": "execute_step", "schema_version": 1, "run_id": "%s", "workflow_id": "poison_probe", "step_id": "probe",
                 "step_type": "%s", "attempt": 1, "idempotency_key": "%s", "requested_at": "%s", "deadline": "%s"}"""
                .formatted(runId, type, Ids.idempotencyKey(runId, "probe", 1), now, now.plusSeconds(300)));
        request.set("config", config);
        return request;
    }

    /** A finished run's last event, as an outside producer would write it (no headers). */
    private static ObjectNode runEvent(String runId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return object("""
                {"type": "run_completed", "schema_version": 1, "run_id": "%1$s", "step_id": null, "occurred_at": "%2$s",
                 "run": {"run_id": "%1$s", "workflow_id": "poison_probe", "workflow_version": 1, "status": "completed",
                         "created_at": "%2$s", "started_at": "%2$s", "completed_at": "%2$s", "updated_at": "%2$s",
                         "context": {"projected": true}, "steps": {}, "current_step_id": null, "error": null, "revision": 3}}"""
                .formatted(runId, now));
    }

    private static Produced send(KafkaProducer<String, byte[]> producer, String topic, String key, String kind, byte[] value) throws Exception {
        return new Produced(kind, value, producer.send(new ProducerRecord<>(topic, key, value)).get());
    }

    private static Predicate<ConsumerRecord<String, byte[]>> from(String topic, Produced p) {
        return r -> topic.equals(ProofCluster.header(r, Topics.HEADER_DLT_SOURCE_TOPIC))
                && Integer.toString(p.at().partition()).equals(ProofCluster.header(r, Topics.HEADER_DLT_SOURCE_PARTITION))
                && Long.toString(p.at().offset()).equals(ProofCluster.header(r, Topics.HEADER_DLT_SOURCE_OFFSET));
    }

    // ------------------------------------------------------------------ "processed"

    private static void assertCompleted(String runId) {
        JsonNode run = cluster.awaitFinal(runId, Duration.ofSeconds(60));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
    }

    private static void assertProjected(String runId) {
        JsonNode run = cluster.awaitRun(runId, Duration.ofSeconds(60), Set.of("completed"));
        assertThat(run.get("revision").intValue()).isEqualTo(3);
        assertThat(run.get("context").get("projected").booleanValue()).isTrue();
    }

    /** The connector answered the request with a {@code complete_step} (whatever its outcome). */
    private static void assertAnswered(String runId, String type) {
        List<ConsumerRecord<String, byte[]>> commands = cluster.read(Topics.RUN_COMMANDS, Duration.ofSeconds(60),
                records -> records.stream().anyMatch(r -> runId.equals(r.key())));
        JsonNode answer = Json.mapper().readTree(commands.stream().filter(r -> runId.equals(r.key())).findFirst().orElseThrow().value());
        cluster.log("%s connector answered: %s %s", type, answer.get("outcome"), answer.get("error"));
        assertThat(answer.get("type").stringValue()).isEqualTo("complete_step");
        assertThat(answer.get("step_id").stringValue()).isEqualTo("probe");
        assertThat(answer.get("idempotency_key").stringValue()).isEqualTo(Ids.idempotencyKey(runId, "probe", 1));
        if (type.equals("webhook")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> received.contains(Ids.idempotencyKey(runId, "probe", 1)));
        }
    }

    private static int closedPort() {
        try {
            return ProofCluster.freePort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
