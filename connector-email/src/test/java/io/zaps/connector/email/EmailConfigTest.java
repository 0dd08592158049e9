package io.zaps.connector.email;

import io.zaps.contract.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmailConfigTest {

    @Test
    void readsAMinimalConfigWithDefaults() throws Exception {
        EmailConfig config = EmailConfig.from(minimal());

        assertThat(config.tls()).isEqualTo(EmailConfig.Tls.STARTTLS);
        assertThat(config.port()).isEqualTo(587);
        assertThat(config.timeoutSeconds()).isEqualTo(30);
        assertThat(config.to()).extracting(a -> a.getAddress()).containsExactly("ada@example.com");
        assertThat(config.cc()).isEmpty();
        assertThat(config.senderDomain()).isEqualTo("zaps.example");
    }

    @Test
    void thePortDefaultsByTlsMode() throws Exception {
        assertThat(EmailConfig.from(minimal().put("tls", "tls")).port()).isEqualTo(465);
        assertThat(EmailConfig.from(minimal().put("tls", "NONE")).port()).isEqualTo(25);
        assertThat(EmailConfig.from(minimal().put("tls", "none").put("port", 2525)).port()).isEqualTo(2525);
    }

    @Test
    void recipientsMayBeAStringAListOrACommaSeparatedString() throws Exception {
        ObjectNode node = minimal().put("to", "Ada <ada@example.com>, bob@example.com");
        node.putArray("cc").add("carl@example.com").add("dora@example.com");
        node.put("bcc", "eve@example.com");

        EmailConfig config = EmailConfig.from(node);

        assertThat(config.recipients()).extracting(a -> a.getAddress())
                .containsExactly("ada@example.com", "bob@example.com", "carl@example.com", "dora@example.com", "eve@example.com");
    }

    @Test
    void rejectsWhatCannotBeSent() {
        assertThatThrownBy(() -> EmailConfig.from(null)).hasMessageContaining("config is missing");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("to", "not an address")))
                .hasMessageStartingWith("invalid email config: to 'not an address' is not a valid address");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("to", " "))).hasMessageContaining("to is blank");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("from", "a@x.test, b@x.test"))).hasMessageContaining("from must be one address");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("tls", "ssl"))).hasMessageContaining("tls must be one of");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("username", "u"))).hasMessageContaining("username and password go together");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("port", 70000))).hasMessageContaining("port");
        assertThatThrownBy(() -> EmailConfig.from(minimal().put("timeout_seconds", 0))).hasMessageContaining("timeout_seconds");
        ObjectNode noBody = minimal();
        noBody.remove("text");
        assertThatThrownBy(() -> EmailConfig.from(noBody)).hasMessageContaining("text or html is required");
        ObjectNode noHost = minimal();
        noHost.remove("host");
        assertThatThrownBy(() -> EmailConfig.from(noHost)).hasMessageContaining("host is required");
    }

    @Test
    void neverShowsThePassword() throws Exception {
        EmailConfig config = EmailConfig.from(minimal().put("username", "robot").put("password", "hunter2-secret"));

        assertThat(config.toString()).doesNotContain("hunter2-secret").contains("password=(hidden)");
    }

    static ObjectNode minimal() {
        return Json.object()
                .put("host", "smtp.example.com")
                .put("from", "Zaps <robot@Zaps.Example>")
                .put("to", "ada@example.com")
                .put("subject", "Hello")
                .put("text", "Hi Ada");
    }
}
