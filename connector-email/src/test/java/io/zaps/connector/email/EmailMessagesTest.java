package io.zaps.connector.email;

import io.zaps.contract.Ids;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EmailMessagesTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    @Test
    void theMessageIdIsDerivedFromTheIdempotencyKeyAlone() {
        String first = EmailMessages.messageId(Ids.idempotencyKey(RUN, "mail", 1), "example.com");

        assertThat(first).matches("<[0-9a-f]{32}\\.zaps@example\\.com>");
        assertThat(EmailMessages.messageId(Ids.idempotencyKey(RUN, "mail", 1), "example.com")).isEqualTo(first);
        assertThat(EmailMessages.messageId(Ids.idempotencyKey(RUN, "mail", 2), "example.com")).isNotEqualTo(first);
    }
}
