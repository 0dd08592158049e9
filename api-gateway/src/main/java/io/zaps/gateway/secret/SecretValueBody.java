package io.zaps.gateway.secret;

import io.swagger.v3.oas.annotations.media.Schema;

/** The body of {@code PUT /api/secrets/{name}}, for the OpenAPI document only (the controller reads the raw bytes). */
@Schema(name = "SecretValue", description = "The value to store; it is encrypted at rest and never returned")
record SecretValueBody(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "a non-blank string, at most 64 KiB")
                       String value) {}
