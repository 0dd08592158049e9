package io.zaps.connector.pdf;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.step.PdfExtractSpec;
import io.zaps.store.AttachmentStore;
import io.zaps.testkit.KafkaProbe;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.kafka.test.context.EmbeddedKafka;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The whole connector on a real KRaft broker, reading a real PDF from the attachment store. */
@SpringBootTest(classes = PdfConnectorApplication.class,
        properties = {"spring.config.name=connector-pdf", "zaps.kafka.partitions=2", "zaps.connector.concurrency=2",
                "zaps.pdf.data-dir=target/kafka-test-data"})
@EmbeddedKafka(partitions = 2)
@ExtendWith(OutputCaptureExtension.class)
class PdfConnectorKafkaTest {
    private static final Duration AT_MOST = Duration.ofSeconds(60);
    private static final String REQUESTS = Topics.stepRequests(PdfExtractSpec.TYPE);

    private final String bootstrapServers;
    private final AttachmentStore store = new AttachmentStore(Path.of("target/kafka-test-data"));
    private KafkaProbe probe;

    @Autowired
    PdfConnectorKafkaTest(@Value("${spring.kafka.bootstrap-servers}") String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    @BeforeEach
    void start() {
        probe = new KafkaProbe(bootstrapServers, Topics.RUN_COMMANDS, Topics.deadLetter(REQUESTS));
    }

    @AfterEach
    void stop() {
        probe.close();
    }

    @Test
    void extractsTheFieldsOfAStoredInvoiceAndAnswersOnRunCommands(CapturedOutput output) throws Exception {
        String run = UUID.randomUUID().toString();
        ObjectNode config = Json.object().put("ref", store.put(TestPdfs.invoice()));
        config.putArray("fields").add("Invoice number").add("Amount").add("Due date");
        probe.send(REQUESTS, run, Json.toBytes(request(run, config)));

        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> run.equals(r.key()), AT_MOST);

        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(answer.idempotencyKey()).isEqualTo(Ids.idempotencyKey(run, "extract", 1));
        assertThat(answer.output().get("fields").get("invoice_number").stringValue()).isEqualTo("INV-42");
        assertThat(answer.output().get("fields").get("amount").stringValue()).isEqualTo("$150.00");
        assertThat(answer.output().get("fields").get("due_date").stringValue()).isEqualTo("2026-12-01");
        assertThat(answer.output().get("page_count").intValue()).isEqualTo(2);
        assertThat(output).contains("zaps connector-pdf ready");
    }

    @Test
    void aScannedPdfFailsPermanentlyAndAMalformedRequestIsDeadLettered() throws Exception {
        String bad = UUID.randomUUID().toString();
        String scanned = UUID.randomUUID().toString();
        probe.send(REQUESTS, bad, "not json".getBytes(StandardCharsets.UTF_8));
        ObjectNode config = Json.object().put("ref", store.put(TestPdfs.scannedInvoice()));
        config.putArray("fields").add("Invoice number");
        probe.send(REQUESTS, scanned, Json.toBytes(request(scanned, config)));

        ConsumerRecord<String, byte[]> dead = probe.await(Topics.deadLetter(REQUESTS), r -> bad.equals(r.key()), AT_MOST);
        assertThat(dead.headers().lastHeader(Topics.HEADER_DLT_REASON)).isNotNull();
        ConsumerRecord<String, byte[]> record = probe.await(Topics.RUN_COMMANDS, r -> scanned.equals(r.key()), AT_MOST);
        CompleteStep answer = (CompleteStep) Json.read(record.value(), RunCommand.class);
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.error()).startsWith("no text layer");
    }

    private static ExecuteStep request(String run, ObjectNode config) {
        Instant now = Instant.now();
        return new ExecuteStep(1, run, "wf", "extract", PdfExtractSpec.TYPE, 1, Ids.idempotencyKey(run, "extract", 1), config, now,
                now.plusSeconds(300));
    }
}
