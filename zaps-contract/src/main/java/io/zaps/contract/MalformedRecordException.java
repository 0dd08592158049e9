package io.zaps.contract;

/** A record that cannot be understood: bad JSON, unknown type, unsupported schema version, missing field. Never retried. */
public class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
