package io.zaps.executor.stream;

import io.zaps.contract.Json;
import org.apache.kafka.common.serialization.Serializer;

/** Writes records with the one Zaps JSON mapping. */
public final class JsonSerializer<T> implements Serializer<T> {
    @Override
    public byte[] serialize(String topic, T data) {
        return data == null ? null : Json.toBytes(data);
    }
}
