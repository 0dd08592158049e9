package io.zaps.kafka;

/**
 * Thrown by a listener for a record that must not be retried: it goes to the topic's dead-letter
 * topic with {@code reason} in the {@link io.zaps.contract.Topics#HEADER_DLT_REASON} header.
 */
public class DeadLetterException extends RuntimeException {
    public DeadLetterException(String reason) {
        super(reason);
    }

    public DeadLetterException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
