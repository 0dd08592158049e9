package io.zaps.gateway.workflow;

import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Instant;

/** One entry of {@code GET /api/workflows/{id}/versions}. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VersionInfo(int version, Instant updatedAt) {
}
