package io.zaps.gateway.secret;

import io.zaps.store.SecretStore;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** What the API shows about a secret: its name and when it was stored; never its value. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
record SecretInfoView(String name, Instant createdAt, Instant updatedAt) {
    static SecretInfoView of(SecretStore.SecretInfo info) {
        return new SecretInfoView(info.name(), info.createdAt(), info.updatedAt());
    }
}
