package io.zaps.store;

/** An id that must not become a file name (e.g. {@code ../../x}). */
public class UnsafeIdException extends IllegalArgumentException {
    public UnsafeIdException(String what, String id) {
        super(what + " '" + id + "' is not allowed (ids match [A-Za-z0-9][A-Za-z0-9_-]{0,63}; run ids are UUIDs)");
    }
}
