package io.zaps.store;

import java.nio.file.Path;

/** A stored file exists but is not valid JSON of the expected kind. Never skipped silently. */
public class CorruptFileException extends StoreException {
    private final Path path;

    public CorruptFileException(Path path, Throwable cause) {
        super("corrupt file " + path + ": " + cause.getMessage(), cause);
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
