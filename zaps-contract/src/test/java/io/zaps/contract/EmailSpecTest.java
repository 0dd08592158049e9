package io.zaps.contract;

import io.zaps.contract.step.EmailSpec;
import io.zaps.contract.workflow.Violation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EmailSpecTest {

    private static ObjectNode config(String passwordJson) {
        return (ObjectNode) Json.mapper().readTree("""
                {"host": "smtp.example.com", "username": "bot", "password": %s,
                 "from": "bot@example.com", "to": "ada@example.com", "subject": "Hi", "text": "Hello"}""".formatted(passwordJson));
    }

    private static List<Violation> violations(ObjectNode config) {
        List<Violation> violations = new ArrayList<>();
        new EmailSpec().validate(config, "steps[2].config", violations);
        return violations;
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"{{ secret('smtp') }}\"", "\"{{secret(\\\"smtp.password\\\")}}\"", "\"  {{ secret( 'a-b_c' ) }} \""})
    void thePasswordIsASecretReference(String password) {
        assertThat(violations(config(password))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"hunter2-literal\"", "\"{{ smtp_password }}\"", "\"pre {{ secret('smtp') }}\"",
            "\"{{ secret('smtp') }}{{ secret('b') }}\"", "\"{{ secret('bad name') }}\"", "42", "{\"value\": \"hunter2-literal\"}"})
    void anythingElseIsRefusedNamingTheFieldAndSayingHowToStoreIt(String password) {
        List<Violation> violations = violations(config(password));
        assertThat(violations).extracting(Violation::field).containsExactly("steps[2].config.password");
        assertThat(violations.get(0).message())
                .contains("{{ secret('smtp_password') }}")
                .contains("PUT /api/secrets/smtp_password")
                .doesNotContain("hunter2");
    }

    @Test
    void usernameAndPasswordStillGoTogether() {
        ObjectNode config = config("\"{{ secret('smtp') }}\"");
        config.remove("username");
        assertThat(violations(config)).extracting(Violation::field).containsExactly("steps[2].config.username");
        ObjectNode noPassword = config("\"{{ secret('smtp') }}\"");
        noPassword.remove("password");
        assertThat(violations(noPassword)).extracting(Violation::field).containsExactly("steps[2].config.password");
    }
}
