package io.zaps.contract.trigger;

import io.zaps.contract.Json;
import io.zaps.contract.step.StepSchemas;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The kinds of trigger a workflow may have, described for editors ({@code GET /api/trigger-types}): {@link #MANUAL}
 * (no trigger section: the REST call and the triggers topic) and every {@code trigger.type} {@link Triggers} accepts.
 * Each has a JSON Schema (draft-07) of its trigger section in the resource {@code <type>.schema.json} beside this
 * class, whose {@code title}, {@code description} and first {@code examples} entry describe it; {@link Triggers}
 * remains the judge (cron syntax, time zones, reserved topics). {@code TriggerSchemasTest} checks every example
 * against both.
 */
public final class TriggerTypes {
    /** Not a {@code trigger.type}: a workflow without a trigger section. Its schema is {@code {"type": "null"}}. */
    public static final String MANUAL = "manual";

    /** One kind of trigger and the schema of its trigger section. */
    public record TriggerType(String type, ObjectNode schema) {
        public String title() {
            JsonNode title = schema.get("title");
            return title == null ? type : title.asString();
        }

        public String description() {
            JsonNode description = schema.get("description");
            return description == null ? "" : description.asString();
        }

        /** A trigger section that works ({@code null} for {@link #MANUAL}). */
        public JsonNode example() {
            JsonNode examples = schema.get("examples");
            return examples == null || examples.isEmpty() ? Json.mapper().nullNode() : examples.get(0);
        }
    }

    private TriggerTypes() {}

    /** Every kind, manual first. */
    public static List<TriggerType> all() {
        return List.of(MANUAL, WebhookTrigger.TYPE, ScheduleTrigger.TYPE, EmailTrigger.TYPE, KafkaTrigger.TYPE).stream()
                .map(type -> new TriggerType(type, StepSchemas.load(TriggerTypes.class, type)))
                .toList();
    }
}
