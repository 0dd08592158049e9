package io.zaps.contract;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;

import java.util.List;

/** JSON Schema (draft-07) checks with networknt's validator, which reads Jackson 2: only JSON text crosses over. */
final class SchemaCheck {
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));
    private static final Schema META = REGISTRY.getSchema(SchemaLocation.of("http://json-schema.org/draft-07/schema#"));

    private SchemaCheck() {}

    /** What is wrong with {@code instance} against {@code schema}; empty when it is valid. */
    static List<String> errors(JsonNode schema, JsonNode instance) {
        Schema compiled = REGISTRY.getSchema(Json.mapper().writeValueAsString(schema), InputFormat.JSON);
        return messages(compiled.validate(Json.mapper().writeValueAsString(instance), InputFormat.JSON));
    }

    /** What is wrong with {@code schema} as a draft-07 schema; empty when it is one. */
    static List<String> metaErrors(JsonNode schema) {
        return messages(META.validate(Json.mapper().writeValueAsString(schema), InputFormat.JSON));
    }

    private static List<String> messages(List<Error> errors) {
        return errors.stream().map(Error::toString).toList();
    }
}
