package io.zaps.trigger.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.CorruptFileException;
import io.zaps.store.FileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowCatalogTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path dataDir;

    @Test
    void unknown_workflow_is_empty() {
        WorkflowCatalog catalog = new WorkflowCatalog(new FileStore(dataDir), Clock.systemUTC());

        assertThat(catalog.find("missing")).isEmpty();
    }

    @Test
    void settled_definition_is_read_once_while_its_file_is_unchanged() throws Exception {
        FileStore store = new FileStore(dataDir);
        store.saveWorkflowVersion(workflow(1, 2));
        settle("invoice_reminder");
        WorkflowCatalog catalog = new WorkflowCatalog(store, Clock.systemUTC());

        for (int i = 0; i < 100; i++) {
            assertThat(catalog.find("invoice_reminder")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(1));
        }

        assertThat(catalog.reads()).isEqualTo(1);
    }

    @Test
    void update_is_seen_by_the_next_lookup() throws Exception {
        FileStore store = new FileStore(dataDir);
        store.saveWorkflowVersion(workflow(1, 2));
        settle("invoice_reminder");
        WorkflowCatalog catalog = new WorkflowCatalog(store, Clock.systemUTC());
        assertThat(catalog.find("invoice_reminder")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(1));

        // Same size as before, written at once: the file's identity changes (atomic replace) and it is not settled yet.
        store.saveWorkflowVersion(workflow(2, 3));

        assertThat(catalog.find("invoice_reminder")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(2));
    }

    @Test
    void update_with_the_same_size_and_time_stamp_is_seen_while_the_file_is_fresh() throws Exception {
        FileStore store = new FileStore(dataDir);
        store.saveWorkflowVersion(workflow(1, 2));
        Path file = dataDir.resolve("workflows/invoice_reminder.json");
        FileTime stamp = Files.getLastModifiedTime(file);
        WorkflowCatalog catalog = new WorkflowCatalog(store, Clock.systemUTC());
        assertThat(catalog.find("invoice_reminder")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(1));

        // An in-place rewrite within the same time-stamp tick: nothing in the stamp changes.
        Files.write(file, Json.toBytes(workflow(2, 3)));
        Files.setLastModifiedTime(file, stamp);

        assertThat(catalog.find("invoice_reminder")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(2));
    }

    @Test
    void deleted_workflow_is_gone_at_once() throws Exception {
        FileStore store = new FileStore(dataDir);
        store.saveWorkflowVersion(workflow(1, 2));
        settle("invoice_reminder");
        WorkflowCatalog catalog = new WorkflowCatalog(store, Clock.systemUTC());
        assertThat(catalog.find("invoice_reminder")).isPresent();

        store.deleteWorkflow("invoice_reminder");

        assertThat(catalog.find("invoice_reminder")).isEmpty();
    }

    @Test
    void corrupt_file_is_reported() throws Exception {
        WorkflowCatalog catalog = new WorkflowCatalog(new FileStore(dataDir), Clock.systemUTC());
        Files.writeString(dataDir.resolve("workflows/broken.json"), "{not json");

        assertThatThrownBy(() -> catalog.find("broken")).isInstanceOf(CorruptFileException.class);
    }

    /** Backdates the file as if it was written a while ago, so that its cached content is trusted. */
    private void settle(String workflowId) throws Exception {
        Path file = dataDir.resolve("workflows").resolve(workflowId + ".json");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofMinutes(1))));
    }

    private static WorkflowDefinition workflow(int version, int seconds) {
        return new WorkflowDefinition("invoice_reminder", "Invoice Reminder", null, "wait", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", seconds), null)), version, T, T);
    }
}
