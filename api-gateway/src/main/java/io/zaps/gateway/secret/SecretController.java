package io.zaps.gateway.secret;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Json;
import io.zaps.contract.trigger.SecretRef;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.SecretStore;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The credential store over HTTP, write-only: a value goes in with {@code PUT} and never comes out again; every answer
 * carries names and timestamps only. Step configs reference a stored value as {@code {{ secret('name') }}}.
 *
 * <p>The body is read as raw bytes and parsed here rather than by the message converters, so that no error answer (nor
 * log line) can quote it: Jackson's own messages cite the offending token, which may be the secret.
 */
@Tag(name = "secrets", description = "Credentials, encrypted at rest; values are write-only")
@RestController
@RequestMapping("/api/secrets")
class SecretController {
    static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final String BODY_SHAPE = "the body must be a JSON object {\"value\": \"...\"}";

    private final SecretStore secrets;
    private final SecretPublisher topic;

    SecretController(SecretStore secrets, SecretPublisher topic) {
        this.secrets = secrets;
        this.topic = topic;
    }

    @Operation(summary = "Store or replace a secret",
            description = "The value is encrypted at rest and is never returned by any endpoint. Reference it in step "
                    + "configs as {{ secret('name') }}. Names: a letter or digit, then up to 63 letters, digits, _ . -",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = "application/json", schema = @Schema(implementation = SecretValueBody.class))))
    @ApiResponse(responseCode = "201", description = "created; Location names the secret")
    @ApiResponse(responseCode = "200", description = "replaced")
    @ApiResponse(responseCode = "400", description = "the name is malformed, or the body is not {\"value\": \"<non-blank string, at most 64 KiB>\"}")
    // Only JSON: the body is read raw (below), and without this any type (text/plain, XML, octet-stream) was parsed as JSON.
    @PutMapping(value = "/{name}", consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"})
    ResponseEntity<SecretInfoView> put(@PathVariable String name, @RequestBody(required = false) byte[] body) {
        checkName(name);
        String value = value(body);
        boolean existed = secrets.info(name).isPresent();
        SecretInfoView stored = SecretInfoView.of(secrets.put(name, value, topic::published));
        return existed ? ResponseEntity.ok(stored)
                : ResponseEntity.created(URI.create("/api/secrets/" + name)).body(stored);
    }

    @Operation(summary = "List the secrets", description = "Names and timestamps, by name; never values.")
    @GetMapping
    List<SecretInfoView> list() {
        return secrets.list().stream().map(SecretInfoView::of).toList();
    }

    @Operation(summary = "Get a secret's name and timestamps", description = "Never its value. 404 if there is none.")
    @ApiResponse(responseCode = "200", description = "the secret's name and timestamps")
    @ApiResponse(responseCode = "404", description = "no secret with this name")
    @GetMapping("/{name}")
    SecretInfoView get(@PathVariable String name) {
        checkName(name);
        return secrets.info(name).map(SecretInfoView::of).orElseThrow(() -> missing(name));
    }

    @Operation(summary = "Delete a secret", description = "Steps that still reference it fail with \"secret '<name>' does not exist\".")
    @ApiResponse(responseCode = "204", description = "deleted")
    @ApiResponse(responseCode = "404", description = "no secret with this name")
    @DeleteMapping("/{name}")
    ResponseEntity<Void> delete(@PathVariable String name) {
        checkName(name);
        if (!secrets.delete(name, topic::published)) {
            throw missing(name);
        }
        return ResponseEntity.noContent().build();
    }

    private static void checkName(String name) {
        if (!SecretRef.isValidName(name)) {
            throw ApiException.badRequest("name", "path parameter 'name' must match " + SecretRef.NAME.pattern());
        }
    }

    private static ApiException missing(String name) {
        return ApiException.notFound("secret '" + name + "' does not exist");
    }

    /** The value from the body; every error names the field and its position, never what was sent. */
    private static String value(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("value", "is required (" + BODY_SHAPE + ")");
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(body);
        } catch (JacksonException e) {
            TokenStreamLocation at = e.getLocation();
            String where = at == null || at == TokenStreamLocation.NA || at.getLineNr() < 1
                    ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ApiException(HttpStatus.BAD_REQUEST, "malformed JSON" + where + "; " + BODY_SHAPE,
                    List.of(new io.zaps.contract.workflow.Violation("", "malformed JSON" + where)));
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("", BODY_SHAPE);
        }
        JsonNode value = json.get("value");
        if (value == null || value.isNull()) {
            throw ApiException.badRequest("value", "is required (" + BODY_SHAPE + ")");
        }
        if (!value.isString()) {
            throw ApiException.badRequest("value", "must be a string");
        }
        String text = value.stringValue();
        if (text.isBlank()) {
            throw ApiException.badRequest("value", "must not be blank");
        }
        if (text.getBytes(StandardCharsets.UTF_8).length > MAX_VALUE_BYTES) {
            throw ApiException.badRequest("value", "may be at most " + MAX_VALUE_BYTES + " bytes (UTF-8)");
        }
        return text;
    }
}
