package io.zaps.store;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What {@link FileStore} reads from a run file without binding the whole snapshot: its revision (asked before
 * every projected write) and its summary (the start-up scan of every run file). Both stream the JSON and skip
 * context, steps and outputs.
 */
final class RunFileHeads {
    private RunFileHeads() {
    }

    /** {@link #storedRevision}: no snapshot, or one that cannot be read. */
    static final long NONE = -1;

    /**
     * The revision of the stored snapshot, or {@link #NONE} when there is none or it is corrupt (the
     * projector replaces a corrupt snapshot with a good one instead of stopping on it). Reads the file
     * with a streaming parser that skips everything but {@code revision}: the projector asks this for
     * every run it writes (the gateway wrote the pending snapshot), and binding the whole snapshot
     * (times, maps, steps) only to compare one number cost a fifth of its time.
     *
     * <p>"Corrupt" here means not one well-formed JSON object with an integer {@code revision} (if any):
     * unlike binding, other fields are not checked. Snapshots are only ever written whole (temp file and
     * rename), so a file that is well-formed but wrong elsewhere would be a hand edit.
     */
    static long storedRevision(Path file) {
        byte[] bytes = FileStore.bytesOrNull(file);
        if (bytes == null) {
            return NONE;
        }
        try (JsonParser parser = Json.mapper().createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return NONE;
            }
            long revision = 0; // what binding a snapshot without the field gives
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("revision".equals(name)) {
                    if (value != JsonToken.VALUE_NUMBER_INT) {
                        return NONE;
                    }
                    revision = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
            // The whole object was read (a truncated file fails above): trailing content is corrupt too.
            return token == JsonToken.END_OBJECT && parser.nextToken() == null ? revision : NONE;
        } catch (JacksonException e) {
            return NONE;
        }
    }

    /** The summary of a run file, or null when it is missing or not one well-formed snapshot object. */
    static RunSummary summaryOrNull(Path file) {
        byte[] bytes;
        try {
            bytes = FileStore.bytesOrNull(file);
        } catch (StoreException e) {
            return null;
        }
        if (bytes == null) {
            return null;
        }
        try (JsonParser parser = Json.mapper().createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String runId = null;
            String workflowId = null;
            Integer version = null;
            RunStatus status = null;
            Instant created = null;
            Instant started = null;
            Instant completed = null;
            String currentStep = null;
            String error = null;
            String parentRunId = null;
            long revision = 0;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "run_id" -> runId = text(parser, value);
                    case "workflow_id" -> workflowId = text(parser, value);
                    case "workflow_version" -> version = value == JsonToken.VALUE_NUMBER_INT ? parser.getIntValue() : null;
                    case "status" -> status = status(text(parser, value));
                    case "created_at" -> created = instant(text(parser, value));
                    case "started_at" -> started = instant(text(parser, value));
                    case "completed_at" -> completed = instant(text(parser, value));
                    case "current_step_id" -> currentStep = text(parser, value);
                    case "error" -> error = text(parser, value);
                    case "revision" -> revision = value == JsonToken.VALUE_NUMBER_INT ? parser.getLongValue() : 0;
                    case "parent" -> parentRunId = parentRunId(parser, value);
                    default -> parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || runId == null) {
                return null;
            }
            return RunSummary.of(runId, workflowId, version, status, created, started, completed, currentStep, error, parentRunId, revision);
        } catch (JacksonException | java.time.DateTimeException e) {
            return null;
        }
    }

    private static String text(JsonParser parser, JsonToken value) {
        if (value == JsonToken.VALUE_STRING) {
            return parser.getString();
        }
        parser.skipChildren();
        return null;
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static RunStatus status(String text) {
        for (RunStatus status : RunStatus.values()) {
            if (status.wireName().equals(text)) {
                return status;
            }
        }
        return null;
    }

    private static String parentRunId(JsonParser parser, JsonToken value) {
        if (value != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return null;
        }
        String runId = null;
        while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
            String field = parser.currentName();
            JsonToken inner = parser.nextToken();
            if ("run_id".equals(field)) {
                runId = text(parser, inner);
            } else {
                parser.skipChildren();
            }
        }
        return runId;
    }

}
