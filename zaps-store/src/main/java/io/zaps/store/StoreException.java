package io.zaps.store;

/** The file store could not read or write; the message names the file. */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
