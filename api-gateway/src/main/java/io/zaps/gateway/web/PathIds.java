package io.zaps.gateway.web;

import io.zaps.contract.Ids;

/** Checks ids taken from request paths before they reach the file store. */
public final class PathIds {
    private PathIds() {}

    /** A workflow id from the path parameter {@code name}; 400 naming it otherwise. */
    public static String workflowId(String name, String value) {
        if (!Ids.isSafe(value)) {
            throw ApiException.badRequest(name, "path parameter '" + name + "' must match " + Ids.SAFE_ID.pattern());
        }
        return value;
    }

    /** A run id (lower-case UUID) from the path parameter {@code name}; 400 naming it otherwise. */
    public static String runId(String name, String value) {
        if (!Ids.isRunId(value)) {
            throw ApiException.badRequest(name, "path parameter '" + name + "' must be a lower-case UUID");
        }
        return value;
    }
}
