package io.zaps.contract;

/**
 * The schema version every record carries. Fields are only ever added; a reader rejects (dead-letters)
 * a record whose version is newer than the one it knows.
 */
public final class SchemaVersions {
    private SchemaVersions() {}

    public static final int CURRENT = 1;

    public static void check(int version, String what) {
        if (version < 1 || version > CURRENT) {
            throw new MalformedRecordException(what + " has unsupported schema_version " + version + " (this reader knows 1.." + CURRENT + ")");
        }
    }
}
