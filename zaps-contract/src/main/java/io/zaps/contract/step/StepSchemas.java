package io.zaps.contract.step;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads the JSON Schema resources of step and trigger types: {@code <name>.schema.json} in the package of the class
 * that owns it. Each is read once and handed out as a copy.
 */
public final class StepSchemas {
    private static final Map<String, ObjectNode> CACHE = new ConcurrentHashMap<>();

    private StepSchemas() {}

    /** The schema {@code <name>.schema.json} beside {@code owner}; fails naming the resource when it is missing or not an object. */
    public static ObjectNode load(Class<?> owner, String name) {
        String resource = owner.getPackageName().replace('.', '/') + "/" + name + ".schema.json";
        return CACHE.computeIfAbsent(resource, r -> read(owner, r)).deepCopy();
    }

    private static ObjectNode read(Class<?> owner, String resource) {
        try (InputStream in = owner.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the schema resource " + resource + " is missing");
            }
            JsonNode schema = Json.mapper().readTree(in);
            if (!(schema instanceof ObjectNode object)) {
                throw new IllegalStateException("the schema resource " + resource + " is not a JSON object");
            }
            return object;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
