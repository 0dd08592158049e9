package io.zaps.contract;

import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkflowValidatorTest {
    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());

    private List<Violation> validate(String json) {
        return validator.validate(Json.read(json.getBytes(), WorkflowDefinition.class));
    }

    private static String hook(String extra) {
        return "{\"url\": \"http://127.0.0.1:8001/notify\"" + extra + "}";
    }

    @Test
    void theReferenceWorkflowIsValid() {
        assertThat(validate("""
                {"id": "invoice_reminder", "name": "Invoice Reminder Workflow", "entry_point": "delay_step", "status": "active",
                 "steps": [{"id": "delay_step", "type": "delay", "config": {"seconds": 2}, "next_step_id": "send_reminder"},
                           {"id": "send_reminder", "type": "webhook", "config": {"url": "http://127.0.0.1:8001/notify", "method": "POST",
                            "headers": {}, "body": {"to": "{{customer_email}}", "invoice_id": "{{invoice_id}}"}}, "next_step_id": null}]}
                """)).isEmpty();
    }

    @Test
    void unsafeIdsAreRefusedByName() {
        assertThat(validate("{\"id\": \"../../x\", \"name\": \"n\", \"entry_point\": \"a\", \"steps\": [{\"id\": \"a\", \"type\": \"delay\", \"config\": {\"seconds\": 1}}]}"))
                .extracting(Violation::field).containsExactly("id");
        assertThat(validate("{\"id\": \"ok\", \"name\": \"n\", \"entry_point\": \"a/b\", \"steps\": [{\"id\": \"a/b\", \"type\": \"delay\", \"config\": {\"seconds\": 1}}]}"))
                .extracting(Violation::field).contains("steps[0].id");
    }

    @Test
    void missingAndDanglingReferencesNameTheField() {
        assertThat(validate("{\"id\": \"w\", \"name\": \"n\", \"steps\": [{\"id\": \"a\", \"type\": \"delay\", \"config\": {\"seconds\": 1}}]}"))
                .extracting(Violation::field).containsExactly("entry_point");
        assertThat(validate("{\"id\": \"w\", \"name\": \"n\", \"entry_point\": \"zzz\", \"steps\": [{\"id\": \"a\", \"type\": \"delay\", \"config\": {\"seconds\": 1}, \"next_step_id\": \"nope\"}]}"))
                .extracting(Violation::field).containsExactlyInAnyOrder("entry_point", "steps[0].next_step_id");
    }

    @Test
    void cyclesAreFound() {
        List<Violation> violations = validate("""
                {"id": "w", "name": "n", "entry_point": "a", "steps": [
                  {"id": "a", "type": "delay", "config": {"seconds": 1}, "next_step_id": "b"},
                  {"id": "b", "type": "delay", "config": {"seconds": 1}, "next_step_id": "a"}]}""");
        assertThat(violations).hasSize(1);
        assertThat(violations.get(0).message()).contains("cycle").contains("a -> b -> a");
    }

    @Test
    void stepConfigsAreValidatedAtCreation() {
        assertThat(validate("""
                {"id": "w", "name": "n", "entry_point": "a", "steps": [
                  {"id": "a", "type": "delay", "config": {"seconds": 0}, "next_step_id": "b"},
                  {"id": "b", "type": "webhook", "config": {"url": "ftp://x", "method": "BREW", "timeout_seconds": 9999}, "next_step_id": "c"},
                  {"id": "c", "type": "teleport", "config": {}, "next_step_id": "d"},
                  {"id": "d", "type": "email", "config": {"host": "smtp", "to": [], "subject": "{{ broken", "urll": 1}},
                  {"id": "d", "type": "delay", "config": {"seconds": 1}}]}"""))
                .extracting(Violation::field)
                .contains("steps[0].config.seconds", "steps[1].config.url", "steps[1].config.method", "steps[1].config.timeout_seconds",
                        "steps[2].type", "steps[3].config.from", "steps[3].config.to", "steps[3].config.subject", "steps[3].config.urll",
                        "steps[3].config.text", "steps[4].id");
    }

    @Test
    void templatedUrlsAreAcceptedWhenTheirSyntaxIsValid() {
        assertThat(validate("{\"id\": \"w\", \"name\": \"n\", \"entry_point\": \"a\", \"steps\": [{\"id\": \"a\", \"type\": \"webhook\", \"config\": {\"url\": \"{{ base_url }}/x\"}}]}"))
                .isEmpty();
        assertThat(validate("{\"id\": \"w\", \"name\": \"n\", \"entry_point\": \"a\", \"steps\": [{\"id\": \"a\", \"type\": \"webhook\", \"config\": " + hook(", \"body\": {\"x\": [\"{% if %}\"]}") + "}]}"))
                .extracting(Violation::field).containsExactly("steps[0].config.body.x[0]");
    }

    @Test
    void aStepTypeDeclaredTwiceFailsFast() {
        assertThatThrownBy(() -> new StepTypes(List.of(new io.zaps.contract.step.DelaySpec(), new io.zaps.contract.step.DelaySpec())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("delay");
    }

    @Test
    void retryPoliciesAndTimeoutsAreValidatedByField() {
        assertThat(validate("""
                {"id": "w", "name": "n", "entry_point": "a", "retry": {"max_attempts": 3},
                 "steps": [{"id": "a", "type": "webhook", "config": %s, "timeout_seconds": 60,
                            "retry": {"max_attempts": 5, "initial_interval": 0.5, "multiplier": 1.5, "max_interval": 30, "jitter": 0}}]}
                """.formatted(hook("")))).isEmpty();
        assertThat(validate("""
                {"id": "w", "name": "n", "entry_point": "a", "retry": {"max_attempts": 0, "jitter": 1.5},
                 "steps": [{"id": "a", "type": "delay", "config": {"seconds": 1}, "next_step_id": "b"},
                           {"id": "b", "type": "webhook", "config": %s, "timeout_seconds": 0,
                            "retry": {"max_attempts": 101, "initial_interval": 0, "multiplier": 0.5}},
                           {"id": "c", "type": "webhook", "config": %s, "retry": {"initial_interval": 10, "max_interval": 5}}]}
                """.formatted(hook(""), hook(""))))
                .extracting(Violation::field).containsExactlyInAnyOrder(
                        "retry.max_attempts", "retry.jitter",
                        "steps[1].timeout_seconds", "steps[1].retry.max_attempts", "steps[1].retry.initial_interval",
                        "steps[1].retry.multiplier", "steps[2].retry.max_interval");
    }
}
