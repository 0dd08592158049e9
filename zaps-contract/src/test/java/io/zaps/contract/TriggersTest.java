package io.zaps.contract;

import io.zaps.contract.step.StepTypes;
import io.zaps.contract.trigger.EmailTrigger;
import io.zaps.contract.trigger.KafkaTrigger;
import io.zaps.contract.trigger.ScheduleTrigger;
import io.zaps.contract.trigger.Schedules;
import io.zaps.contract.trigger.SecretRef;
import io.zaps.contract.trigger.Triggers;
import io.zaps.contract.trigger.WebhookTrigger;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggersTest {
    private static ObjectNode json(String text) {
        return (ObjectNode) Json.mapper().readTree(text);
    }

    private static List<Violation> violations(String trigger) {
        List<Violation> out = new ArrayList<>();
        Triggers.validate(json(trigger), "trigger", out);
        return out;
    }

    @Test
    void webhookWithHmacGetsDefaults() {
        WebhookTrigger t = (WebhookTrigger) Triggers.parse(json("{\"type\": \"webhook\", \"auth\": \"hmac\", \"secret\": \"{{ secret('shop') }}\"}"));
        assertThat(t.secretName()).isEqualTo("shop");
        assertThat(t.header()).isEqualTo(WebhookTrigger.SIGNATURE_HEADER);
        assertThat(t.toleranceSeconds()).isEqualTo(300);
        assertThat(t.respondOnCompletion()).isFalse();
        WebhookTrigger token = (WebhookTrigger) Triggers.parse(json(
                "{\"type\": \"webhook\", \"auth\": \"token\", \"secret\": \"{{secret(\\\"t\\\")}}\", \"respond\": \"on_completion\"}"));
        assertThat(token.header()).isEqualTo(WebhookTrigger.TOKEN_HEADER);
        assertThat(token.respondOnCompletion()).isTrue();
    }

    @Test
    void aPlainSecretIsRefusedNamingTheField() {
        assertThat(violations("{\"type\": \"webhook\", \"auth\": \"hmac\", \"secret\": \"hunter2\"}"))
                .singleElement().satisfies(v -> {
                    assertThat(v.field()).isEqualTo("trigger.secret");
                    assertThat(v.message()).contains("credential store").doesNotContain("hunter2");
                });
        assertThat(violations("{\"type\": \"email\", \"host\": \"imap.example.com\", \"username\": \"u\", \"password\": \"p\"}"))
                .extracting(Violation::field).containsExactly("trigger.password");
    }

    @Test
    void unknownTypesFieldsAndBadValuesAreNamed() {
        assertThat(violations("{\"type\": \"carrier_pigeon\"}")).extracting(Violation::field).containsExactly("trigger.type");
        assertThat(violations("{}")).extracting(Violation::field).containsExactly("trigger.type");
        assertThat(violations("{\"type\": \"schedule\", \"cron\": \"0 9 * * *\", \"tz\": \"UTC\"}"))
                .extracting(Violation::field).containsExactly("trigger.tz");
        assertThat(violations("{\"type\": \"schedule\", \"cron\": \"61 9 * * *\"}")).extracting(Violation::field).containsExactly("trigger.cron");
        assertThat(violations("{\"type\": \"schedule\", \"cron\": \"* *\"}")).extracting(Violation::field).containsExactly("trigger.cron");
        assertThat(violations("{\"type\": \"schedule\", \"cron\": \"0 9 * * *\", \"timezone\": \"Mars/Olympus\"}"))
                .extracting(Violation::field).containsExactly("trigger.timezone");
        assertThat(violations("{\"type\": \"schedule\", \"cron\": \"0 9 * * *\", \"missed\": \"all\"}"))
                .extracting(Violation::field).containsExactly("trigger.missed");
        assertThat(violations("{\"type\": \"kafka\", \"topic\": \"zaps.triggers\"}")).extracting(Violation::field).containsExactly("trigger.topic");
        assertThat(violations("{\"type\": \"kafka\", \"topic\": \"bad topic\"}")).extracting(Violation::field).containsExactly("trigger.topic");
        assertThat(violations("{\"type\": \"email\", \"host\": \"h\", \"username\": \"u\", \"password\": \"{{ secret('p') }}\", \"poll_seconds\": 0}"))
                .extracting(Violation::field).containsExactly("trigger.poll_seconds");
    }

    @Test
    void scheduleEmailAndKafkaParse() {
        ScheduleTrigger s = (ScheduleTrigger) Triggers.parse(json("{\"type\": \"schedule\", \"cron\": \"0 9 * * MON-FRI\", \"timezone\": \"Europe/Berlin\"}"));
        assertThat(s.timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(s.fireOnceWhenMissed()).isTrue();
        EmailTrigger e = (EmailTrigger) Triggers.parse(json("{\"type\": \"email\", \"host\": \"imap.example.com\", \"username\": \"u\", \"password\": \"{{ secret('imap') }}\"}"));
        assertThat(e.port()).isEqualTo(993);
        assertThat(e.folder()).isEqualTo("INBOX");
        assertThat(e.passwordSecret()).isEqualTo("imap");
        KafkaTrigger k = (KafkaTrigger) Triggers.parse(json("{\"type\": \"kafka\", \"topic\": \"orders\"}"));
        assertThat(k.startFrom()).isEqualTo("latest");
        assertThat(Triggers.parse(null)).isNull();
        assertThatThrownBy(() -> Triggers.parse(json("{\"type\": \"kafka\"}"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cronTicksInTheirTimeZone() {
        Schedules weekdays = Schedules.of("0 9 * * MON-FRI", ZoneId.of("Europe/Berlin"));
        // Saturday 2026-11-21 12:00 UTC -> Monday 09:00 Berlin (08:00 UTC, winter time)
        assertThat(weekdays.nextAfter(Instant.parse("2026-11-21T12:00:00Z"))).contains(Instant.parse("2026-11-23T08:00:00Z"));
        Schedules everySecond = Schedules.of("* * * * * *", ZoneId.of("UTC"));
        assertThat(everySecond.nextAfter(Instant.parse("2026-11-22T10:00:00Z"))).contains(Instant.parse("2026-11-22T10:00:01Z"));
        Schedules hourly = Schedules.of("0 * * * *", ZoneId.of("UTC"));
        assertThat(hourly.latestAtOrBefore(Instant.parse("2026-11-22T10:59:59Z"))).contains(Instant.parse("2026-11-22T10:00:00Z"));
        assertThat(hourly.latestAtOrBefore(Instant.parse("2026-11-22T10:00:00Z"))).contains(Instant.parse("2026-11-22T10:00:00Z"));
        assertThat(hourly.latestAtOrBefore(Instant.parse("2026-11-22T10:00:00.300Z"))).contains(Instant.parse("2026-11-22T10:00:00Z"));
        // a fraction of a second in the argument never leaks into the tick
        assertThat(everySecond.nextAfter(Instant.parse("2026-11-22T10:00:00.300Z"))).contains(Instant.parse("2026-11-22T10:00:01Z"));
        assertThat(everySecond.nextAfter(Instant.parse("2026-11-22T10:00:00.999Z"))).contains(Instant.parse("2026-11-22T10:00:01Z"));
    }

    @Test
    void eventIdsOfLongTopicNamesStayWithinTheLimitAndDistinct() {
        String topic = "t".repeat(249);
        String a = KafkaTrigger.eventId("wf", topic, 0, 1);
        String b = KafkaTrigger.eventId("wf", topic, 0, 2);
        assertThat(a).hasSizeLessThanOrEqualTo(Ids.MAX_EVENT_ID).startsWith("sha256:").isNotEqualTo(b);
        assertThat(KafkaTrigger.eventId("wf", "orders", 2, 7)).isEqualTo("kafka-trigger:wf:orders:2:7");
    }

    @Test
    void secretReferences() {
        assertThat(SecretRef.name("{{ secret('imap.password') }}")).contains("imap.password");
        assertThat(SecretRef.name("  {{secret( \"x\" )}} ")).contains("x");
        assertThat(SecretRef.name("{{ secret('../etc') }}")).isEmpty();
        assertThat(SecretRef.name("prefix {{ secret('x') }}")).isEmpty();
        assertThat(SecretRef.of("x")).isEqualTo("{{ secret('x') }}");
    }

    @Test
    void theValidatorChecksTheTriggerAndTheErrorWorkflow() {
        WorkflowDefinition def = Json.mapper().readValue("""
                {"id": "w", "name": "W", "entry_point": "a", "steps": [{"id": "a", "type": "delay", "config": {"seconds": 1}}],
                 "trigger": {"type": "kafka", "topic": ""}, "on_failure": {"workflow_id": "w"}}
                """, WorkflowDefinition.class);
        assertThat(new WorkflowValidator(StepTypes.discover()).validate(def)).extracting(Violation::field)
                .containsExactlyInAnyOrder("trigger.topic", "on_failure.workflow_id");
        String written = Json.toString(def);
        assertThat(written).contains("\"trigger\"").contains("\"on_failure\":{\"workflow_id\":\"w\"}");
    }
}
