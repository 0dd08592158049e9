package io.zaps.contract;

import io.zaps.contract.step.EmailSpec;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.WebhookSpec;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {
    @Test
    void emailPasswordsAreHiddenAndTheOriginalIsUntouched() {
        ObjectNode config = (ObjectNode) Json.mapper().readTree("{\"host\": \"smtp\", \"username\": \"u\", \"password\": \"hunter2\"}");
        ObjectNode shown = new EmailSpec().redact(config);
        assertThat(shown.get("password").stringValue()).isEqualTo(StepSpec.REDACTED);
        assertThat(shown.get("username").stringValue()).isEqualTo("u");
        assertThat(config.get("password").stringValue()).isEqualTo("hunter2");
        assertThat(shown.toString()).doesNotContain("hunter2");
    }

    @Test
    void webhookCredentialsInHeadersAndUrlsAreHidden() {
        ObjectNode config = (ObjectNode) Json.mapper().readTree("""
                {"url": "https://bot:t0ps3cret@hooks.example/x?y=1",
                 "headers": {"Authorization": "Bearer abc123", "X-Api-Key": "k-999", "X-Trace": "visible"}}""");
        ObjectNode shown = new WebhookSpec().redact(config);
        assertThat(shown.toString()).doesNotContain("t0ps3cret", "abc123", "k-999").contains("visible");
        assertThat(shown.get("url").stringValue()).isEqualTo("https://bot:" + StepSpec.REDACTED + "@hooks.example/x?y=1");
        assertThat(config.get("headers").get("Authorization").stringValue()).isEqualTo("Bearer abc123");
    }
}
