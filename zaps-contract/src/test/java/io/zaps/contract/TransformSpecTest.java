package io.zaps.contract;

import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A transform has exactly one of output (templates) or expression (JSONata), checked when saved. */
class TransformSpecTest {
    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());

    private List<Violation> validate(String config) {
        return validator.validate(Json.read(("""
                {"id": "wf", "name": "wf", "entry_point": "t", "steps": [{"id": "t", "type": "transform", "config": %s}]}"""
                .formatted(config)).getBytes(StandardCharsets.UTF_8), WorkflowDefinition.class));
    }

    @Test
    void eitherFormIsValid() {
        assertThat(validate("{\"output\": {\"n\": \"{{ amount }}\"}}")).isEmpty();
        assertThat(validate("{\"expression\": \"items.{'id': id, 'total': price * qty}\"}")).isEmpty();
    }

    @Test
    void aJsonataSyntaxErrorNamesTheExpression() {
        assertThat(validate("{\"expression\": \"items.{'id': id\"}")).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("steps[0].config.expression");
            assertThat(v.message()).startsWith("invalid JSONata expression: ");
        });
        assertThat(validate("{\"expression\": 7}")).extracting(Violation::field).containsExactly("steps[0].config.expression");
        assertThat(validate("{\"expression\": \"\"}")).extracting(Violation::field).containsExactly("steps[0].config.expression");
    }

    @Test
    void exactlyOneOfOutputOrExpression() {
        assertThat(validate("{\"output\": 1, \"expression\": \"1\"}")).singleElement().satisfies(v -> {
            assertThat(v.field()).isEqualTo("steps[0].config.expression");
            assertThat(v.message()).contains("either an output or an expression");
        });
        assertThat(validate("{}")).extracting(Violation::field).containsExactly("steps[0].config.output");
    }
}
