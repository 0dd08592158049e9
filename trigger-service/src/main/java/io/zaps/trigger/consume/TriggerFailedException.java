package io.zaps.trigger.consume;

/**
 * A trigger could not be handled for a reason outside the record (data folder unreadable, Kafka not
 * acknowledging): worth retrying. The original exception is attached as <em>suppressed</em>, not as
 * the cause, because zaps-kafka's dead-letter reason is the innermost message of the cause chain and
 * this message names the trigger and what was being done, where the innermost one may only say
 * "Is a directory". Logged stack traces still show it.
 */
final class TriggerFailedException extends RuntimeException {
    TriggerFailedException(String message, Throwable original) {
        super(message);
        addSuppressed(original);
    }
}
