package io.zaps.connector.pdf;

/** The document could not be had or read; the message says why, {@link #retryable()} whether trying again may help. */
final class ExtractionFailedException extends Exception {
    private final boolean retryable;

    ExtractionFailedException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    static ExtractionFailedException permanent(String message) {
        return new ExtractionFailedException(message, false);
    }

    static ExtractionFailedException retryable(String message) {
        return new ExtractionFailedException(message, true);
    }

    boolean retryable() {
        return retryable;
    }
}
