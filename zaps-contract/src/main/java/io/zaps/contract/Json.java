package io.zaps.contract;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The one JSON mapping of Zaps: Kafka records, file store snapshots and REST bodies all use it.
 * Field names come from the records themselves ({@code @JsonNaming} snake_case), instants are
 * ISO-8601 UTC strings ending in {@code Z}, and unknown fields are ignored so that fields can be
 * added to a record without breaking older readers.
 */
public final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private Json() {}

    /** The shared, thread-safe mapper. */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static byte[] toBytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static String toString(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Reads {@code bytes} as {@code type}; throws {@link MalformedRecordException} with the reason. */
    public static <T> T read(byte[] bytes, Class<T> type) {
        if (bytes == null) {
            throw new MalformedRecordException("record has no value");
        }
        try {
            return MAPPER.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new MalformedRecordException("cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static JsonNode valueToTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> toMap(JsonNode node) {
        return node == null || node.isNull() ? Map.of() : MAPPER.convertValue(node, Map.class);
    }
}
