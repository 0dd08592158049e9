package io.zaps.contract;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Every step type describes its config with a draft-07 schema whose examples both the schema and the validator accept. */
class StepSchemasTest {
    private static final StepTypes TYPES = StepTypes.discover();
    private static final WorkflowValidator VALIDATOR = new WorkflowValidator(TYPES);

    @Test
    void everyStepTypeHasADraft07SchemaWithTitleDescriptionAndExample() {
        assertThat(TYPES.names()).hasSizeGreaterThanOrEqualTo(11);
        for (String type : TYPES.names()) {
            StepSpec spec = TYPES.find(type).orElseThrow();
            ObjectNode schema = spec.configSchema();
            assertThat(schema.get("$schema").stringValue()).as(type).isEqualTo("http://json-schema.org/draft-07/schema#");
            assertThat(SchemaCheck.metaErrors(schema)).as(type + " is a draft-07 schema").isEmpty();
            assertThat(schema.get("type").stringValue()).as(type).isEqualTo("object");
            assertThat(schema.get("additionalProperties").booleanValue()).as(type + ": unknown fields are refused, as by the validator").isFalse();
            assertThat(spec.title()).as(type).isNotBlank().isNotEqualTo(type);
            assertThat(spec.description()).as(type).isNotBlank();
            assertThat(spec.example().isObject()).as(type).isTrue();
            assertThat(spec.category()).as(type).isIn(StepSpec.ACTION, StepSpec.CONTROL, StepSpec.FLOW);
            assertThat(spec.outputs().contains("next")).as(type + ": next iff a next_step_id").isEqualTo(spec.takesNextStep());
        }
    }

    @Test
    void everyExampleSatisfiesItsSchemaAndTheValidator() {
        for (String type : TYPES.names()) {
            StepSpec spec = TYPES.find(type).orElseThrow();
            for (JsonNode example : spec.configSchema().get("examples")) {
                assertThat(SchemaCheck.errors(spec.configSchema(), example)).as(type + " " + example).isEmpty();
                assertThat(VALIDATOR.validate(workflowWith(spec, (ObjectNode) example))).as(type + " " + example).isEmpty();
            }
        }
    }

    @Test
    void anUnknownFieldIsRefusedByTheSchemaAndByTheValidator() {
        for (String type : TYPES.names()) {
            StepSpec spec = TYPES.find(type).orElseThrow();
            ObjectNode config = ((ObjectNode) spec.example()).deepCopy().put("colour", "blue");
            assertThat(SchemaCheck.errors(spec.configSchema(), config)).as(type).isNotEmpty();
            assertThat(VALIDATOR.validate(workflowWith(spec, config))).extracting(Violation::field).as(type)
                    .contains("steps[0].config.colour");
        }
    }

    @Test
    void aMissingRequiredFieldIsRefusedByBoth() {
        for (String type : TYPES.names()) {
            StepSpec spec = TYPES.find(type).orElseThrow();
            JsonNode required = spec.configSchema().get("required");
            if (required == null) {
                continue;
            }
            for (JsonNode field : required) {
                ObjectNode config = ((ObjectNode) spec.example()).deepCopy();
                config.remove(field.stringValue());
                assertThat(SchemaCheck.errors(spec.configSchema(), config)).as(type + " without " + field).isNotEmpty();
                assertThat(VALIDATOR.validate(workflowWith(spec, config))).as(type + " without " + field).isNotEmpty();
            }
        }
    }

    /** The step as the entry point, and a one-second delay for every step its config names (cases, body, branches). */
    static WorkflowDefinition workflowWith(StepSpec spec, ObjectNode config) {
        List<StepDefinition> steps = new ArrayList<>();
        steps.add(new StepDefinition("under_test", spec.type(), config, null));
        Set<String> named = new LinkedHashSet<>();
        spec.successors(config).forEach(s -> named.add(s.stepId()));
        spec.chains(config).forEach(s -> named.add(s.stepId()));
        for (String id : named) {
            steps.add(new StepDefinition(id, "delay", Json.object().put("seconds", 1), null));
        }
        return new WorkflowDefinition("schema_example", "Schema example", null, "under_test", WorkflowStatus.ACTIVE, steps, null, null, null);
    }
}
