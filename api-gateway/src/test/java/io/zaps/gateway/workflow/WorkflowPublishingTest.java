package io.zaps.gateway.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.TriggerRequested;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.kafka.workflow.WorkflowView;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every write of a workflow reaches zaps.workflows, and what the topic lacks is published from the files. */
class WorkflowPublishingTest extends GatewayTestSupport {
    private static final Duration AT_MOST = Duration.ofSeconds(30);

    @Autowired
    WorkflowPublisher publisher;
    @Autowired
    WorkflowView gatewayWorkflowView;

    @Test
    void create_update_status_and_delete_are_published_in_version_order_before_the_answer() {
        String id = uniqueId("pub");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        assertThat(put("/api/workflows/" + id, workflowJson(id, "active")).status()).isEqualTo(200);
        assertThat(put("/api/workflows/" + id + "/status", "{\"status\": \"paused\"}").status()).isEqualTo(200);
        assertThat(delete("/api/workflows/" + id).status()).isEqualTo(204);

        ConsumerRecord<String, byte[]> deleted = awaitRecord(Topics.WORKFLOWS,
                r -> id.equals(r.key()) && Json.read(r.value(), WorkflowRecord.class).isDeleted(), AT_MOST);
        assertThat(Json.read(deleted.value(), WorkflowRecord.class).version()).isEqualTo(3);
        assertThat(gatewayWorkflowView.awaitCaughtUp(AT_MOST)).isTrue();
        assertThat(gatewayWorkflowView.deleted(id)).isTrue();
        assertThat(gatewayWorkflowView.version(id)).isEqualTo(3);
        WorkflowRecord paused = Json.read(awaitRecord(Topics.WORKFLOWS, r -> id.equals(r.key())
                && Json.read(r.value(), WorkflowRecord.class).version() == 3 && !Json.read(r.value(), WorkflowRecord.class).isDeleted(),
                AT_MOST).value(), WorkflowRecord.class);
        assertThat(paused.workflow().statusOrDefault()).isEqualTo(WorkflowStatus.PAUSED);
    }

    @Test
    void a_trigger_names_the_version_the_gateway_saw() {
        String id = uniqueId("ver");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        assertThat(put("/api/workflows/" + id, workflowJson(id, "active")).status()).isEqualTo(200);
        assertThat(post("/api/workflows/" + id + "/trigger", "{\"context\": {}}").status()).isEqualTo(202);
        TriggerRequested trigger = Json.read(awaitRecord(Topics.TRIGGERS,
                r -> Json.read(r.value(), TriggerRequested.class).workflowId().equals(id), AT_MOST).value(), TriggerRequested.class);
        assertThat(trigger.workflowVersion()).isEqualTo(2);
    }

    @Test
    void workflows_only_in_the_files_are_published_and_nothing_twice() {
        String legacy = uniqueId("legacy");
        String gone = uniqueId("gone");
        FileStore files = new FileStore(DATA_DIR);
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        files.saveWorkflowVersion(definition(legacy, 1, t));
        files.saveWorkflowVersion(definition(legacy, 2, t));
        files.saveWorkflowVersion(definition(gone, 1, t));
        files.deleteWorkflow(gone);

        publisher.reconcile(); // (the gateway's own pass may have come first)
        assertThat(Json.read(awaitRecord(Topics.WORKFLOWS, r -> legacy.equals(r.key()), AT_MOST).value(), WorkflowRecord.class).version())
                .isEqualTo(2);
        assertThat(Json.read(awaitRecord(Topics.WORKFLOWS, r -> gone.equals(r.key()), AT_MOST).value(), WorkflowRecord.class).isDeleted())
                .isTrue();
        assertThat(gatewayWorkflowView.awaitCaughtUp(AT_MOST)).isTrue();
        assertThat(publisher.reconcile()).as("the topic has everything now").isZero();
    }

    private static WorkflowDefinition definition(String id, int version, Instant t) {
        return new WorkflowDefinition(id, id, null, "wait", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)), version, t, t);
    }
}
