package io.zaps.contract;

import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.Subscribe;
import io.zaps.contract.command.SubscriptionCommand;
import io.zaps.contract.command.Unsubscribe;
import io.zaps.contract.event.CorrelationEvent;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code wait_for_event}'s records (golden JSON), its config checks, and the events topic's record rules. */
class WaitForEventContractTest {
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    static final Instant T1 = Instant.parse("2026-01-02T03:04:07.500Z");
    static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    @Test
    void resumeStep() throws IOException {
        RunCommand byUrl = new ResumeStep(1, RUN, "approval", 1, ResumeStep.Source.RESUME_URL,
                "Qm9i4mB1dZ1lPZ7r0r8bYq3N2fFf2bq7Zs0x9cQ1a2E", null, json("{\"approved\": true, \"by\": \"ada\"}"), null, T0);
        assertGolden("resume_step.json", Json.toBytes(byUrl));
        assertThat(Json.read(golden("resume_step.json"), RunCommand.class)).isEqualTo(byUrl);
        RunCommand byEvent = new ResumeStep(1, RUN, "approval", 2, ResumeStep.Source.EVENT, null, "order-A-1",
                json("{\"approved\": true}"), "evt-42", T1);
        assertGolden("resume_step_event.json", Json.toBytes(byEvent));
        assertThat(Json.read(golden("resume_step_event.json"), RunCommand.class)).isEqualTo(byEvent);
    }

    @Test
    void subscriptionCommands() throws IOException {
        SubscriptionCommand subscribe = new Subscribe(1, "order-A-1", RUN, "approval", 1, T1);
        assertGolden("subscribe.json", Json.toBytes(subscribe));
        assertThat(Json.read(golden("subscribe.json"), SubscriptionCommand.class)).isEqualTo(subscribe);
        SubscriptionCommand unsubscribe = new Unsubscribe(1, "order-A-1", RUN, "approval", 1);
        assertGolden("unsubscribe.json", Json.toBytes(unsubscribe));
        assertThat(Json.read(golden("unsubscribe.json"), SubscriptionCommand.class)).isEqualTo(unsubscribe);
    }

    @Test
    void event() throws IOException {
        CorrelationEvent event = CorrelationEvent.of("order-A-1", json("{\"approved\": true, \"by\": \"ada\"}"), "evt-42", T0);
        assertGolden("event.json", Json.toBytes(event));
        assertThat(Json.read(golden("event.json"), CorrelationEvent.class).validated("order-A-1")).isEqualTo(event);
    }

    @Test
    void theSmallestEventIsItsKeyAsTheRecordKey() {
        CorrelationEvent bare = Json.read("{}".getBytes(StandardCharsets.UTF_8), CorrelationEvent.class).validated("order-A-1");
        assertThat(bare.key()).isEqualTo("order-A-1");
        assertThat(bare.dataOrEmpty()).isEqualTo(Json.object());
        assertThat(Json.read("{\"key\": \"k\", \"data\": [1, 2]}".getBytes(StandardCharsets.UTF_8), CorrelationEvent.class)
                .validated("k").dataOrEmpty()).isEqualTo(json("[1, 2]"));
    }

    @Test
    void eventsThatCannotBeCorrelatedAreMalformed() {
        assertThatThrownBy(() -> read("{\"key\": \"a\"}", "b")).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("keyed by its correlation key 'a' (was 'b')");
        assertThatThrownBy(() -> read("{\"key\": \"a\"}", null)).hasMessageContaining("(was no key)");
        assertThatThrownBy(() -> read("{}", null)).hasMessageContaining("key must not be empty");
        assertThatThrownBy(() -> read("{\"key\": \"" + "k".repeat(257) + "\"}", "k".repeat(257))).hasMessageContaining("at most 256");
        assertThatThrownBy(() -> read("{\"key\": \"a\\u0000b\"}", "a\u0000b")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> read("{\"type\": \"trigger_requested\", \"key\": \"a\"}", "a")).hasMessageContaining("unknown record type");
        assertThatThrownBy(() -> read("{\"schema_version\": 9, \"key\": \"a\"}", "a")).hasMessageContaining("schema_version 9");
        assertThatThrownBy(() -> read("{\"key\": \"a\", \"event_id\": \"\"}", "a")).hasMessageContaining("event_id");
    }

    @Test
    void aValidWaitForEventStepAndItsDefaults() {
        assertThat(validate("{\"key\": \"{{ order_id }}\"}")).isEmpty();
        assertThat(validate("{\"key\": \"order-{{ order_id }}\", \"timeout_seconds\": 31536000, \"on_timeout\": \"continue\"}")).isEmpty();
        assertThat(new StepTypes(List.of(new WaitForEventSpec())).isExternal(WaitForEventSpec.TYPE)).as("run by the executor").isFalse();
    }

    @Test
    void badWaitForEventConfigsAreRefusedNamingTheField() {
        assertThat(validate("{\"timeout_seconds\": 0, \"on_timeout\": \"retry\", \"topic\": \"x\"}")).extracting(Violation::field)
                .containsExactlyInAnyOrder("steps[0].config.key", "steps[0].config.timeout_seconds", "steps[0].config.on_timeout",
                        "steps[0].config.topic");
        assertThat(validate("{\"key\": \"{{ secret('api') }}\"}")).extracting(Violation::field).contains("steps[0].config.key");
        assertThat(validate("{\"key\": \"{{ order_id \"}")).extracting(Violation::field).contains("steps[0].config.key");
        assertThat(validate("{\"key\": \"  \", \"timeout_seconds\": 31536001}")).extracting(Violation::field)
                .containsExactlyInAnyOrder("steps[0].config.key", "steps[0].config.timeout_seconds");
    }

    @Test
    void theResumeUrlCarriesItsToken() {
        String url = WaitForEventSpec.resumeUrl("https://zaps.example.com/", RUN, "approval", "abc_-1");
        assertThat(url).isEqualTo("https://zaps.example.com/hooks/runs/" + RUN + "/steps/approval/resume?token=abc_-1");
        assertThat(WaitForEventSpec.tokenOf(url)).isEqualTo("abc_-1");
        assertThat(WaitForEventSpec.tokenOf("https://zaps.example.com/")).isNull();
    }

    private static CorrelationEvent read(String json, String recordKey) {
        return Json.read(json.getBytes(StandardCharsets.UTF_8), CorrelationEvent.class).validated(recordKey);
    }

    private static List<Violation> validate(String config) {
        String workflow = "{\"id\": \"wf\", \"name\": \"wf\", \"entry_point\": \"w\", \"steps\": [{\"id\": \"w\", \"type\": \"wait_for_event\", "
                + "\"config\": " + config + "}]}";
        return new WorkflowValidator(StepTypes.discover())
                .validate(Json.read(workflow.getBytes(StandardCharsets.UTF_8), WorkflowDefinition.class));
    }

    private static JsonNode json(String json) {
        return Json.mapper().readTree(json);
    }

    private static byte[] golden(String name) throws IOException {
        try (InputStream in = WaitForEventContractTest.class.getResourceAsStream("/golden/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        }
    }

    private static void assertGolden(String name, byte[] actual) throws IOException {
        assertThat(Json.mapper().readTree(actual)).isEqualTo(Json.mapper().readTree(golden(name)));
    }
}
