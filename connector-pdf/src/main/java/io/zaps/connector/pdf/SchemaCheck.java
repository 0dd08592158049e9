package io.zaps.connector.pdf;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;

import java.util.List;

/**
 * Checks the extracted fields against the step's JSON Schema (draft 2020-12 unless the schema's
 * {@code $schema} names another) with networknt's json-schema-validator. That library reads JSON
 * with Jackson 2, so schema and fields are handed over as JSON text. Remote {@code $ref}s are never
 * fetched: a workflow author must not make this service call arbitrary URLs.
 */
final class SchemaCheck {
    private static final int MAX_SHOWN = 5;

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));

    /** The problems, each naming the field; empty when the fields satisfy the schema. */
    List<String> violations(JsonNode schemaNode, JsonNode fields) throws ExtractionFailedException {
        Schema schema;
        List<Error> errors;
        try {
            schema = registry.getSchema(Json.mapper().writeValueAsString(schemaNode), InputFormat.JSON);
            errors = schema.validate(Json.mapper().writeValueAsString(fields), InputFormat.JSON);
        } catch (RuntimeException e) {
            throw ExtractionFailedException.permanent("invalid schema: " + e.getMessage());
        }
        return errors.stream().limit(MAX_SHOWN).map(error -> {
            String at = error.getInstanceLocation() == null ? "$" : error.getInstanceLocation().toString();
            String message = error.getMessage() == null ? error.toString() : error.getMessage();
            return message.startsWith(at) ? message : at + ": " + message;
        }).toList();
    }
}
