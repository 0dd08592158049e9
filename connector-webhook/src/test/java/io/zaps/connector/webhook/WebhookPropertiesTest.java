package io.zaps.connector.webhook;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookPropertiesTest {
    @Test
    void aBadDeniedBlockFailsAtStartUp() {
        assertThatThrownBy(() -> new WebhookProperties(List.of("intranet"), false, 1024)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void blankEntriesFromAnEmptyVariableAreDropped() {
        assertThat(new WebhookProperties(List.of(" ", "10.0.0.0/8 "), false, 1024).deniedCidrs()).containsExactly("10.0.0.0/8");
    }
}
