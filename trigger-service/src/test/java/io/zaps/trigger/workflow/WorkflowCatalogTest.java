package io.zaps.trigger.workflow;

import io.zaps.contract.Json;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.store.UnsafeIdException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When a lookup asks the topic again, and what it answers (no Kafka: a source in memory). */
class WorkflowCatalogTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    /** A source whose "topic" holds {@code pending}, moved into view by each catch-up. */
    static final class FakeSource implements WorkflowSource {
        final Map<String, WorkflowDefinition> seen = new ConcurrentHashMap<>();
        final Map<String, WorkflowDefinition> pending = new ConcurrentHashMap<>();
        final AtomicInteger catchUps = new AtomicInteger();

        @Override
        public Optional<WorkflowDefinition> find(String workflowId) {
            return Optional.ofNullable(seen.get(workflowId));
        }

        @Override
        public int version(String workflowId) {
            WorkflowDefinition definition = seen.get(workflowId);
            return definition == null ? 0 : definition.version();
        }

        @Override
        public Set<String> ids() {
            return new TreeSet<>(seen.keySet());
        }

        @Override
        public boolean awaitCaughtUp(Duration timeout) {
            catchUps.incrementAndGet();
            seen.putAll(pending);
            pending.clear();
            return true;
        }
    }

    private final FakeSource source = new FakeSource();
    private final WorkflowCatalog catalog = new WorkflowCatalog(source, Duration.ofMillis(300));

    @Test
    void a_lookup_the_view_answers_as_asked_does_not_ask_the_topic() {
        source.seen.put("wf", workflow("wf", 2, WorkflowStatus.ACTIVE));
        assertThat(catalog.findForTrigger("wf", 2)).get().extracting(WorkflowDefinition::version).isEqualTo(2);
        assertThat(catalog.findForTrigger("wf", null)).isPresent();
        assertThat(source.catchUps).hasValue(0);
    }

    @Test
    void a_version_the_view_lacks_or_an_unknown_or_paused_workflow_is_looked_up_after_catching_up() {
        source.seen.put("wf", workflow("wf", 1, WorkflowStatus.ACTIVE));
        source.pending.put("wf", workflow("wf", 2, WorkflowStatus.ACTIVE));
        assertThat(catalog.findForTrigger("wf", 2)).get().extracting(WorkflowDefinition::version).isEqualTo(2);

        source.pending.put("new", workflow("new", 1, WorkflowStatus.ACTIVE));
        assertThat(catalog.findForTrigger("new", null)).isPresent();

        source.seen.put("held", workflow("held", 3, WorkflowStatus.PAUSED));
        assertThat(catalog.findForTrigger("held", null)).get().extracting(WorkflowDefinition::statusOrDefault)
                .isEqualTo(WorkflowStatus.PAUSED);
        assertThat(source.catchUps).hasValue(3);
    }

    @Test
    void a_version_that_never_arrives_is_waited_for_up_to_the_timeout_then_the_view_answers() {
        source.seen.put("wf", workflow("wf", 1, WorkflowStatus.ACTIVE));
        long started = System.nanoTime();
        assertThat(catalog.findForTrigger("wf", 5)).get().extracting(WorkflowDefinition::version).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(source.catchUps.get()).isGreaterThan(1);
    }

    @Test
    void an_unsafe_id_is_refused() {
        assertThatThrownBy(() -> catalog.find("../etc")).isInstanceOf(UnsafeIdException.class);
    }

    private static WorkflowDefinition workflow(String id, int version, WorkflowStatus status) {
        return new WorkflowDefinition(id, id, null, "wait", status,
                List.of(new StepDefinition("wait", "delay", Json.object().put("seconds", 1), null)), version, T, T);
    }
}
