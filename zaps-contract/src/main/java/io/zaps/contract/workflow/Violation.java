package io.zaps.contract.workflow;

/**
 * One problem with a definition.
 *
 * @param field   where, as a path into the submitted JSON, e.g. {@code steps[1].config.url}
 * @param message what is wrong, in words a user can act on
 */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }

    /** {@code violations} in one line, {@code field: message; field: message}. */
    public static String summary(java.util.List<Violation> violations) {
        return String.join("; ", violations.stream().map(Violation::toString).toList());
    }
}
