package io.zaps.local;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.Topics;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.testkit.TestHttpServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.zaps.testkit.TestHttpServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Zaps' trust boundaries, the whole system on a broker secured as docs/security.md describes: SASL/SCRAM,
 * Kafka's StandardAuthorizer, the services as their super user. An outside program may start runs
 * through {@code zaps.triggers} and write nothing internal; a client without valid credentials gets
 * nowhere; a webhook step cannot call the gateway it was started through.
 */
class TrustBoundaryEndToEndTest {
    private static final KafkaClientSecurity SERVICES = KafkaClientSecurity.sasl("SCRAM-SHA-256", "zaps", "services-" + UUID.randomUUID());
    private static final KafkaClientSecurity OUTSIDE = KafkaClientSecurity.sasl("SCRAM-SHA-256", "outside", "outside-" + UUID.randomUUID());
    private static final Duration SEND = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    static ZapsSystem zaps;
    static TestHttpServer subscriber;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startOnASecuredBroker() throws Exception {
        subscriber = new TestHttpServer().route("/", exchange -> respond(exchange, 200, "application/json", "{\"ok\": true}"));
        zaps = ZapsSystem.start(new ZapsSystem.Settings(dataDir, 0, freePort(), freePort(), null, Map.of(),
                new LocalKafkaBroker.Security(SERVICES, OUTSIDE)));
    }

    @AfterAll
    static void stop() {
        if (zaps != null) {
            zaps.close();
        }
        if (subscriber != null) {
            subscriber.close();
        }
    }

    @Test
    void anOutsideProgramStartsRunsThroughTheTriggersTopicButCannotWriteRunCommandsOrCallTriggers() throws Exception {
        String workflow = webhookWorkflow("outside_order", subscriber.url("/orders/{{ order_id }}"), "{}");
        assertThat(post("/api/workflows", workflow).statusCode()).isEqualTo(201);
        String forgedRunId = UUID.randomUUID().toString();
        byte[] forged = Json.toBytes(new StartRun(SchemaVersions.CURRENT, forgedRunId, Json.mapper().readValue(workflow, WorkflowDefinition.class),
                Json.object().put("order_id", "forged"), "forged-1", Instant.now()));
        byte[] trigger = "{\"workflow_id\": \"outside_order\", \"event_id\": \"outside-42\", \"context\": {\"order_id\": \"42\"}}"
                .getBytes(StandardCharsets.UTF_8);

        try (KafkaProducer<String, byte[]> outside = producer(OUTSIDE, Duration.ofSeconds(15))) {
            Throwable refused = catchThrowable(() -> outside.send(new ProducerRecord<>(Topics.RUN_COMMANDS, forgedRunId, forged))
                    .get(SEND.toMillis(), TimeUnit.MILLISECONDS));
            assertThat(refused).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class);
            // Nor the internal topic whose triggers may name a parent run (call_workflow).
            Throwable refusedCall = catchThrowable(() -> outside.send(new ProducerRecord<>(Topics.CALL_TRIGGERS, "outside-43", trigger))
                    .get(SEND.toMillis(), TimeUnit.MILLISECONDS));
            assertThat(refusedCall).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class);

            outside.send(new ProducerRecord<>(Topics.TRIGGERS, "outside-42", trigger)).get(SEND.toMillis(), TimeUnit.MILLISECONDS);
        }

        JsonNode run = awaitFinal(Ids.runIdForEvent("outside-42"));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        assertThat(subscriber.received()).extracting(TestHttpServer.Received::path).contains("/orders/42").doesNotContain("/orders/forged");
        assertThat(get("/api/runs/" + forgedRunId).statusCode()).isEqualTo(404);
    }

    @Test
    void aKafkaTriggerReadsATopicTheOutsideProgramWasGrantedAsItsOwn() throws Exception {
        String topic = "outside.orders";
        Map<String, Object> admin = new HashMap<>(SERVICES.clientProperties());
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        try (Admin operator = Admin.create(admin)) {
            operator.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(SEND.toMillis(), TimeUnit.MILLISECONDS);
            operator.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    new AccessControlEntry("User:" + OUTSIDE.username(), "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all().get(SEND.toMillis(), TimeUnit.MILLISECONDS);
        }
        assertThat(post("/api/workflows", """
                {"id": "outside_topic", "name": "outside_topic", "entry_point": "call",
                 "trigger": {"type": "kafka", "topic": "%s", "start_from": "earliest"},
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s", "body": {}}}]}
                """.formatted(topic, subscriber.url("/topic/{{ value.order_id }}"))).statusCode()).isEqualTo(201);

        try (KafkaProducer<String, byte[]> outside = producer(OUTSIDE, Duration.ofSeconds(15))) {
            // The new ACL reaches the broker's authorizer through the metadata log, a moment after it is acknowledged.
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> outside.send(new ProducerRecord<>(topic, "7",
                    "{\"order_id\": \"7\"}".getBytes(StandardCharsets.UTF_8))).get(SEND.toMillis(), TimeUnit.MILLISECONDS) != null);
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> subscriber.received().stream().anyMatch(r -> r.path().equals("/topic/7")));
    }

    @Test
    void clientsWithoutValidCredentialsAreRefused() {
        KafkaClientSecurity wrongPassword = KafkaClientSecurity.sasl("SCRAM-SHA-256", OUTSIDE.username(), "not-" + OUTSIDE.password());
        try (KafkaProducer<String, byte[]> producer = producer(wrongPassword, Duration.ofSeconds(15))) {
            Throwable refused = catchThrowable(() -> producer.send(record()).get(SEND.toMillis(), TimeUnit.MILLISECONDS));
            assertThat(refused).hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
        // Without SASL the broker closes every connection: the client never even learns the topic's partitions.
        try (KafkaProducer<String, byte[]> producer = producer(KafkaClientSecurity.NONE, Duration.ofSeconds(3))) {
            Throwable refused = catchThrowable(() -> producer.send(record()).get(SEND.toMillis(), TimeUnit.MILLISECONDS));
            assertThat(refused).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(org.apache.kafka.common.errors.TimeoutException.class).hasMessageContaining("not present in metadata");
        }
    }

    @Test
    void aWebhookStepCannotCallTheGatewayItselfButOtherLocalServers() throws Exception {
        String gateway = "http://127.0.0.1:" + URI.create(zaps.gatewayUrl()).getPort();
        String created = "{\"id\": \"created_by_a_step\", \"name\": \"x\", \"entry_point\": \"a\","
                + " \"steps\": [{\"id\": \"a\", \"type\": \"delay\", \"config\": {\"seconds\": 1}}]}";
        assertThat(post("/api/workflows", webhookWorkflow("calls_gateway", gateway + "/api/workflows", created)).statusCode()).isEqualTo(201);
        assertThat(post("/api/workflows", webhookWorkflow("calls_subscriber", subscriber.url("/local"), "{}")).statusCode()).isEqualTo(201);

        JsonNode refused = awaitFinal(runId(post("/api/workflows/calls_gateway/trigger", "{}")));
        JsonNode allowed = awaitFinal(runId(post("/api/workflows/calls_subscriber/trigger", "{}")));

        assertThat(refused.get("status").stringValue()).isEqualTo("failed");
        assertThat(refused.get("steps").get("call").get("error").stringValue()).contains("is Zaps' own API gateway")
                .contains("zaps.connector.allow-gateway-calls");
        assertThat(refused.get("steps").get("call").get("attempts")).hasSize(1);
        assertThat(get("/api/workflows/created_by_a_step").statusCode()).isEqualTo(404);
        assertThat(allowed.get("status").stringValue()).as(allowed.toString()).isEqualTo("completed");
    }

    private static ProducerRecord<String, byte[]> record() {
        return new ProducerRecord<>(Topics.TRIGGERS, "k", "{\"workflow_id\": \"nothing\"}".getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaProducer<String, byte[]> producer(KafkaClientSecurity security, Duration maxBlock) {
        Map<String, Object> config = new HashMap<>(security.clientProperties());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, zaps.bootstrapServers());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) maxBlock.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    private static String webhookWorkflow(String id, String url, String body) {
        return """
                {"id": "%s", "name": "%s", "entry_point": "call",
                 "steps": [{"id": "call", "type": "webhook", "config": {"url": "%s", "method": "POST", "body": %s}}]}
                """.formatted(id, id, url, body);
    }

    private static String runId(HttpResponse<String> accepted) {
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return Json.mapper().readTree(accepted.body()).get("run_id").stringValue();
    }

    private static JsonNode awaitFinal(String runId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            HttpResponse<String> response = get("/api/runs/" + runId);
            if (response.statusCode() != 200) {
                return false;
            }
            last[0] = Json.mapper().readTree(response.body());
            String status = last[0].get("status").stringValue();
            return status.equals("completed") || status.equals("failed");
        });
        return last[0];
    }

    private static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(zaps.gatewayUrl() + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
