package io.zaps.trigger.source.mail;

import io.zaps.trigger.WorkflowTopicWriter;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.AttachmentStore;
import io.zaps.store.SecretStore;
import io.zaps.trigger.source.TriggerInstance;
import io.zaps.trigger.source.cursor.CursorTopic;
import io.zaps.trigger.source.cursor.TriggerCursor;
import io.zaps.trigger.source.WorkflowOwnership;
import jakarta.activation.DataHandler;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The email trigger as it runs: trigger-service instances (each its own Spring context, started through the
 * application) against a real KRaft broker, a real data folder and GreenMail as a real SMTP + IMAP server.
 */
@ExtendWith(OutputCaptureExtension.class)
class EmailTriggerServiceTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static final String PASSWORD = "imap-pa55-" + UUID.randomUUID();
    private static EmbeddedKafkaKraftBroker broker;
    private static GreenMail mail;

    @TempDir
    Path dataDir;

    private final List<TriggerInstance> instances = new ArrayList<>();
    private Recorder recorder;
    private String user;

    @BeforeAll
    static void startServers() {
        broker = new EmbeddedKafkaKraftBroker(1, 2);
        broker.afterPropertiesSet();
        mail = new GreenMail(new ServerSetup[]{
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP),
                new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAPS)});
        mail.start();
    }

    @AfterAll
    static void stopServers() {
        mail.stop();
        broker.destroy();
    }

    @BeforeEach
    void setUp() {
        // A mailbox of its own per test: GreenMail lives as long as the class.
        user = "inbox-" + UUID.randomUUID().toString().substring(0, 8);
        mail.setUser(user + "@zaps.test", user, PASSWORD);
        // the gateway's store, sharing the data folder (and so its key file) with the instances; its writes go to zaps.secrets
        SecretStore.open(dataDir, null, Clock.systemUTC()).put("imap", PASSWORD, workflows()::secret);
        recorder = new Recorder(broker.getBrokersAsString());
    }

    @AfterEach
    void tearDown() {
        instances.forEach(TriggerInstance::close);
        recorder.close();
        if (workflows != null) {
            workflows.close();
        }
    }

    private WorkflowTopicWriter workflows;

    private WorkflowTopicWriter workflows() {
        if (workflows == null) {
            workflows = new WorkflowTopicWriter(broker.getBrokersAsString());
        }
        return workflows;
    }

    @Test
    void new_messages_start_runs_with_their_context_and_their_attachments_stored_by_ref() throws Exception {
        send("old@acme.example", "Already there", "sent before the workflow existed", null);
        start("a");
        saveWorkflow("wf_mail", null, null);
        awaitCursor("wf_mail");

        byte[] pdf = ("%PDF-1.4 invoice " + UUID.randomUUID()).getBytes(StandardCharsets.US_ASCII);
        send("Billing <billing@acme.example>", "Invoice INV-42", "Please pay.", pdf);
        send("bob@acme.example", "Second", "Hello again", null);

        List<TriggerRequested> fired = awaitTriggers("wf_mail", 2);
        TriggerRequested first = fired.get(0);
        assertThat(first.source()).isEqualTo("email");
        assertThat(first.eventId()).startsWith("imap:wf_mail:" + user + "@127.0.0.1/INBOX:").endsWith(":2");
        ObjectNode context = first.context();
        assertThat(context.get("from").stringValue()).isEqualTo("billing@acme.example");
        assertThat(context.get("to")).extracting(JsonNode::stringValue).containsExactly(user + "@zaps.test");
        assertThat(context.get("cc")).isEmpty();
        assertThat(context.get("subject").stringValue()).isEqualTo("Invoice INV-42");
        assertThat(context.get("text").stringValue().strip()).isEqualTo("Please pay.");
        assertThat(context.get("message_id").stringValue()).startsWith("<");
        assertThat(Instant.parse(context.get("date").stringValue())).isAfter(Instant.now().minus(Duration.ofHours(1)));
        JsonNode attachment = context.get("attachments").get(0);
        assertThat(attachment.get("filename").stringValue()).isEqualTo("invoice.pdf");
        assertThat(attachment.get("content_type").stringValue()).isEqualTo("application/pdf");
        assertThat(attachment.get("size").longValue()).isEqualTo(pdf.length);
        assertThat(new AttachmentStore(dataDir).read(attachment.get("ref").stringValue(), 10_000)).isEqualTo(pdf);
        assertThat(fired.get(1).context().get("subject").stringValue()).isEqualTo("Second");
        assertThat(fired).noneMatch(t -> t.context().get("subject").stringValue().equals("Already there"));

        // The trigger service turned each into a StartRun whose run id is derived from the event id.
        StartRun start = awaitStartRun(Ids.runIdForEvent(first.eventId()));
        assertThat(start.context().get("subject").stringValue()).isEqualTo("Invoice INV-42");
        assertThat(start.workflow().id()).isEqualTo("wf_mail");

        waiting().until(() -> cursor("wf_mail").map(c -> c.lastUid() == 3).orElse(false));
        assertThat(dataDir.resolve("triggers")).as("the cursors are on Kafka, not in the folder").doesNotExist();
        assertThat(recorder.all()).noneMatch(r -> r.value() != null && new String(r.value(), StandardCharsets.UTF_8).contains(PASSWORD));
    }

    @Test
    void only_messages_passing_the_from_and_subject_filters_start_runs() throws Exception {
        start("a");
        saveWorkflow("wf_filtered", "@acme.example", "invoice");
        awaitCursor("wf_filtered");

        send("billing@acme.example", "Lunch?", "no", null);
        send("billing@other.example", "Invoice 1", "no", null);
        send("Billing <billing@ACME.example>", "Your INVOICE 2", "yes", null);
        send("billing@acme.example", "Invoice 3", "yes", null);

        assertThat(awaitTriggers("wf_filtered", 2)).extracting(t -> t.context().get("subject").stringValue())
                .containsExactly("Your INVOICE 2", "Invoice 3");
        waiting().until(() -> cursor("wf_filtered").map(c -> c.lastUid() == 4).orElse(false));
        Thread.sleep(2500); // a few more polls
        assertThat(triggers("wf_filtered")).hasSize(2);
    }

    @Test
    void a_restarted_instance_on_the_same_data_folder_fires_only_what_is_new() throws Exception {
        TriggerInstance first = start("a");
        saveWorkflow("wf_restart", null, null);
        awaitCursor("wf_restart");
        send("a@acme.example", "one", "1", null);
        send("a@acme.example", "two", "2", null);
        awaitTriggers("wf_restart", 2);
        first.close();

        send("a@acme.example", "three", "3", null); // arrives while no instance runs
        start("b");
        send("a@acme.example", "four", "4", null);

        List<TriggerRequested> fired = awaitTriggers("wf_restart", 4);
        Thread.sleep(3000); // several polls of the new instance
        fired = triggers("wf_restart");
        assertThat(fired).extracting(t -> t.context().get("subject").stringValue()).containsExactly("one", "two", "three", "four");
        assertThat(fired).extracting(TriggerRequested::eventId).doesNotHaveDuplicates();
    }

    @Test
    void two_instances_fire_each_message_once_and_the_survivor_takes_the_mailbox_over() throws Exception {
        TriggerInstance a = start("a");
        TriggerInstance b = start("b");
        saveWorkflow("wf_shared", null, null);
        WorkflowOwnership ownershipA = a.bean(WorkflowOwnership.class);
        WorkflowOwnership ownershipB = b.bean(WorkflowOwnership.class);
        waiting().until(() -> ownershipA.owns("wf_shared") ^ ownershipB.owns("wf_shared"));
        awaitCursor("wf_shared");

        for (int i = 1; i <= 5; i++) {
            send("a@acme.example", "message " + i, "body " + i, null);
        }
        awaitTriggers("wf_shared", 5);
        Thread.sleep(2500);
        assertThat(triggers("wf_shared")).as("each message published once").hasSize(5)
                .extracting(TriggerRequested::eventId).doesNotHaveDuplicates();

        TriggerInstance owner = ownershipA.owns("wf_shared") ? a : b;
        TriggerInstance survivor = owner == a ? b : a;
        owner.close();
        waiting().until(() -> survivor.bean(WorkflowOwnership.class).owns("wf_shared"));
        send("a@acme.example", "message 6", "body 6", null);
        send("a@acme.example", "message 7", "body 7", null);

        awaitTriggers("wf_shared", 7);
        Thread.sleep(2500);
        List<TriggerRequested> fired = triggers("wf_shared");
        assertThat(fired).hasSize(7).extracting(TriggerRequested::eventId).doesNotHaveDuplicates();
        assertThat(fired).extracting(t -> t.context().get("subject").stringValue())
                .containsExactlyInAnyOrder("message 1", "message 2", "message 3", "message 4", "message 5", "message 6", "message 7");
    }

    @Test
    void a_wrong_password_is_reported_without_any_password_and_the_mailbox_recovers_once_the_secret_is_fixed(CapturedOutput output)
            throws Exception {
        String wrong = "wrong-pa55-" + UUID.randomUUID();
        SecretStore secrets = SecretStore.open(dataDir, null, Clock.systemUTC());
        secrets.put("imap", wrong, workflows()::secret);
        start("a");
        saveWorkflow("wf_badlogin", null, null);

        waiting().untilAsserted(() -> assertThat(output.getOut())
                .contains("workflow wf_badlogin: polling the mailbox failed (2 in a row")
                .contains("login to IMAP server 127.0.0.1:" + mail.getImap().getPort() + " as '" + user + "' failed"));
        assertThat(triggers("wf_badlogin")).isEmpty();
        assertThat(cursor("wf_badlogin")).isEmpty();

        secrets.put("imap", PASSWORD, workflows()::secret);
        awaitCursor("wf_badlogin");
        send("a@acme.example", "after the fix", "ok", null);
        assertThat(awaitTriggers("wf_badlogin", 1).get(0).context().get("subject").stringValue()).isEqualTo("after the fix");

        assertThat(output.getAll()).doesNotContain(wrong).doesNotContain(PASSWORD);
    }

    @Test
    void an_implicit_tls_mailbox_with_a_self_signed_certificate_needs_ssl_trust(CapturedOutput output) throws Exception {
        TriggerInstance untrusting = start("a");
        saveWorkflow("wf_tls", null, null, "tls", mail.getImaps().getPort());
        waiting().untilAsserted(() -> assertThat(output.getOut())
                .contains("workflow wf_tls: polling the mailbox failed (1 in a row")
                .contains("TLS error with IMAP server 127.0.0.1:" + mail.getImaps().getPort())
                .contains("needs zaps.trigger.mail.ssl-trust"));
        untrusting.close();

        start("b", Map.of("zaps.trigger.mail.ssl-trust", "127.0.0.1"));
        awaitCursor("wf_tls");
        send("a@acme.example", "over TLS", "secret stuff", null);

        assertThat(awaitTriggers("wf_tls", 1).get(0).context().get("subject").stringValue()).isEqualTo("over TLS");
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Awaitility, not failing on exceptions of other threads: GreenMail's IMAPS handler throws on its own thread when a
     * client that does not trust its certificate hangs up.
     */
    private static ConditionFactory waiting() {
        return await().atMost(AT_MOST).dontCatchUncaughtExceptions();
    }

    private TriggerInstance start(String name) {
        return start(name, Map.of());
    }

    private TriggerInstance start(String name, Map<String, String> extra) {
        Map<String, String> properties = new HashMap<>(extra);
        properties.put("zaps.kafka.partitions", "2");
        properties.put("zaps.trigger.listener-concurrency", "2");
        properties.put("zaps.trigger.mail.scan-interval", "200ms");
        properties.put("zaps.trigger.mail.max-backoff", "3s");
        TriggerInstance instance = TriggerInstance.start(name, broker.getBrokersAsString(), dataDir, properties);
        instances.add(instance);
        return instance;
    }

    private void saveWorkflow(String id, String fromFilter, String subjectFilter) {
        saveWorkflow(id, fromFilter, subjectFilter, "none", mail.getImap().getPort());
    }

    private void saveWorkflow(String id, String fromFilter, String subjectFilter, String tls, int port) {
        ObjectNode trigger = Json.object().put("type", "email").put("host", "127.0.0.1").put("port", port)
                .put("tls", tls).put("username", user).put("password", "{{ secret('imap') }}").put("poll_seconds", 1);
        if (fromFilter != null) {
            trigger.put("from_filter", fromFilter);
        }
        if (subjectFilter != null) {
            trigger.put("subject_filter", subjectFilter);
        }
        workflows().saveWorkflowVersion(new WorkflowDefinition(id, "Mail " + id, null, "wait", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)), 1, T, T, null, trigger, null));
    }

    /** Waits until the instance has seen the mailbox (its cursor is on Kafka): messages sent from now on are new. */
    private void awaitCursor(String workflowId) {
        waiting().until(() -> cursor(workflowId).isPresent());
    }

    /** The mailbox cursor of {@code workflowId} as a running instance's view of zaps.trigger-cursors has it. */
    private Optional<MailboxCursor> cursor(String workflowId) {
        return instances.stream().filter(TriggerInstance::isRunning).findFirst().orElseThrow()
                .bean(CursorTopic.class).known(workflowId).map(TriggerCursor::mailbox);
    }

    private void send(String from, String subject, String text, byte[] pdf) throws Exception {
        Properties props = new Properties();
        props.put("mail.smtp.host", "127.0.0.1");
        props.put("mail.smtp.port", Integer.toString(mail.getSmtp().getPort()));
        Session session = Session.getInstance(props);
        MimeMessage message = new MimeMessage(session);
        message.setFrom(new InternetAddress(from));
        message.setRecipients(Message.RecipientType.TO, user + "@zaps.test");
        message.setSubject(subject);
        if (pdf == null) {
            message.setText(text, "UTF-8");
        } else {
            MimeBodyPart body = new MimeBodyPart();
            body.setText(text, "UTF-8");
            MimeBodyPart attachment = new MimeBodyPart();
            attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(pdf, "application/pdf")));
            attachment.setFileName("invoice.pdf");
            attachment.setDisposition(MimeBodyPart.ATTACHMENT);
            MimeMultipart mixed = new MimeMultipart("mixed");
            mixed.addBodyPart(body);
            mixed.addBodyPart(attachment);
            message.setContent(mixed);
        }
        Transport.send(message);
    }

    /** Every trigger published for {@code workflowId} so far, in UID order. */
    private List<TriggerRequested> triggers(String workflowId) {
        return recorder.poll(Topics.TRIGGERS).stream()
                .map(r -> Json.read(r.value(), TriggerRequested.class))
                .filter(t -> workflowId.equals(t.workflowId()))
                .sorted(java.util.Comparator.comparingLong(t -> Long.parseLong(t.eventId().substring(t.eventId().lastIndexOf(':') + 1))))
                .toList();
    }

    private List<TriggerRequested> awaitTriggers(String workflowId, int count) {
        return waiting().until(() -> triggers(workflowId), t -> t.size() >= count);
    }

    private StartRun awaitStartRun(String runId) {
        ConsumerRecord<String, byte[]> record = waiting().until(
                () -> recorder.poll(Topics.RUN_COMMANDS).stream().filter(r -> runId.equals(r.key())).toList(), r -> !r.isEmpty()).get(0);
        return (StartRun) Json.read(record.value(), RunCommand.class);
    }

    /** Reads whole topics from the beginning (no consumer group), keeping every record. */
    private static final class Recorder implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();

        Recorder(String bootstrapServers) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        }

        List<ConsumerRecord<String, byte[]>> poll(String topic) {
            assignAll();
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.stream().filter(r -> r.topic().equals(topic)).toList();
        }

        List<ConsumerRecord<String, byte[]>> all() {
            assignAll();
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            return List.copyOf(records);
        }

        /** The topics exist once an instance has started; until then there is nothing to read. */
        private void assignAll() {
            if (!consumer.assignment().isEmpty()) {
                return;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.TRIGGERS, Topics.RUN_COMMANDS, Topics.RUN_EVENTS)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(10)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
