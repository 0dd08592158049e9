package io.zaps.contract;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/** Id rules and derived ids. Every id that becomes part of a file name passes {@link #isSafe} first. */
public final class Ids {
    private Ids() {}

    /** Workflow and step ids: a letter or digit, then up to 63 letters, digits, {@code _} or {@code -}. */
    public static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    public static boolean isSafe(String id) {
        return id != null && SAFE_ID.matcher(id).matches();
    }

    /** Run ids are canonical lower-case UUIDs. */
    public static boolean isRunId(String id) {
        if (id == null || id.length() != 36) {
            return false;
        }
        try {
            return UUID.fromString(id).toString().equals(id);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The run id a trigger event starts: derived from its event id so that a re-delivered or
     * re-produced event can never start a second run.
     */
    public static String runIdForEvent(String eventId) {
        return UUID.nameUUIDFromBytes(("zaps:trigger-event:" + eventId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The event id of the child run at {@code index} (a {@code for_each} iteration, a {@code parallel} branch, 0 for a
     * {@code call_workflow}) of attempt {@code attempt} of the parent's step {@code stepId}.
     */
    public static String childEventId(String parentRunId, String stepId, int attempt, int index) {
        return "child:" + parentRunId + ":" + stepId + ":" + attempt + ":" + index;
    }

    /** The run id of that child: derived, so a replayed decision starts the same child, never a second one. */
    public static String childRunId(String parentRunId, String stepId, int attempt, int index) {
        return runIdForEvent(childEventId(parentRunId, stepId, attempt, index));
    }

    /** The event id of a record produced without one: its position in the log is unique. */
    public static String eventIdForRecord(String topic, int partition, long offset) {
        return "kafka:" + topic + ":" + partition + ":" + offset;
    }

    /** The longest {@code event_id} a trigger may carry. */
    public static final int MAX_EVENT_ID = 200;

    /**
     * {@code eventId} when it fits {@link #MAX_EVENT_ID}, else a fixed-length digest of it (prefix {@code sha256:}): ids
     * built from long names (a topic, a mailbox) stay unique and deterministic without being refused.
     */
    public static String boundedEventId(String eventId) {
        if (eventId.length() <= MAX_EVENT_ID) {
            return eventId;
        }
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(eventId.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** The idempotency key a connector passes on to the outside world for one attempt of one step. */
    public static String idempotencyKey(String runId, String stepId, int attempt) {
        return runId + ":" + stepId + ":" + attempt;
    }
}
