package io.zaps.gateway.types;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.trigger.TriggerTypes;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * What an editor needs to offer step and trigger types: each type's config schema, example and connections, as the
 * contract module describes them ({@link StepSpec#configSchema()}, {@link TriggerTypes}). Built once: types are found
 * on the class path at start-up.
 */
@Tag(name = "types", description = "Step and trigger types for editors: config schemas, examples, connections")
@RestController
class TypesController {
    /** The category of every trigger type. */
    static final String TRIGGER = "trigger";

    private final List<TypeInfo> steps;
    private final List<TypeInfo> triggers;

    TypesController(StepTypes stepTypes) {
        this.steps = stepTypes.names().stream().map(name -> step(stepTypes.find(name).orElseThrow())).toList();
        this.triggers = TriggerTypes.all().stream()
                .map(t -> new TypeInfo(t.type(), t.title(), t.description(), TRIGGER, false, null, t.schema(), List.of("next"), t.example()))
                .toList();
    }

    /**
     * One type.
     *
     * @param type                  the {@code type} of a step, or of a workflow's {@code trigger} section ({@code manual}: none)
     * @param category              steps: {@code action} (does something with data or the outside world), {@code control}
     *                              (holds the run: delay, wait_for_event) or {@code flow} (decides where the run goes);
     *                              triggers: {@code trigger}
     * @param external              whether a connector service executes the step (false: the executor itself; triggers: false)
     * @param defaultTimeoutSeconds an external step's attempt timeout when neither the step nor its config says; null otherwise
     * @param schema                JSON Schema (draft-07) of the step's {@code config} or the workflow's {@code trigger} section
     * @param outputs               the outgoing connections: {@code next} ({@code next_step_id}; a trigger's: the entry point),
     *                              and config fields naming steps ({@code body}, {@code branches}, {@code cases}, {@code default})
     * @param example               a config (trigger section) that the server accepts; null for {@code manual}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record TypeInfo(String type, String title, String description, String category, boolean external,
                    Integer defaultTimeoutSeconds, JsonNode schema, List<String> outputs, JsonNode example) {
    }

    private static TypeInfo step(StepSpec spec) {
        return new TypeInfo(spec.type(), spec.title(), spec.description(), spec.category(), spec.external(),
                spec.external() ? spec.defaultTimeoutSeconds() : null, spec.configSchema(), spec.outputs(), spec.example());
    }

    @Operation(summary = "List the step types this server knows",
            description = "Every step type with its config's JSON Schema (draft-07), an example config, its category "
                    + "(action, control, flow) and outgoing connections (next; body for for_each; branches for parallel; cases "
                    + "and default for switch). The schema guides editors; the server's validation on save stays the judge "
                    + "(template syntax, expressions, references between steps).")
    @ApiResponse(responseCode = "200", description = "every step type, in registration order")
    @GetMapping("/api/step-types")
    List<TypeInfo> stepTypes() {
        return steps;
    }

    @Operation(summary = "List the trigger types",
            description = "manual (no trigger section: REST and zaps.triggers), webhook, schedule, email and kafka, each with "
                    + "the JSON Schema (draft-07) of a workflow's trigger section and an example; category trigger, outputs [next].")
    @ApiResponse(responseCode = "200", description = "every trigger type, manual first")
    @GetMapping("/api/trigger-types")
    List<TypeInfo> triggerTypes() {
        return triggers;
    }
}
