package io.zaps.contract;

import io.zaps.contract.trigger.TriggerTypes;
import io.zaps.contract.trigger.Triggers;
import io.zaps.contract.workflow.Violation;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of trigger describes its trigger section with a draft-07 schema whose example both the schema and Triggers accept. */
class TriggerSchemasTest {

    @Test
    void everyKindHasASchemaAndAnExampleThatBothTheSchemaAndTheValidatorAccept() {
        assertThat(TriggerTypes.all()).extracting(TriggerTypes.TriggerType::type)
                .containsExactly("manual", "webhook", "schedule", "email", "kafka");
        for (TriggerTypes.TriggerType type : TriggerTypes.all()) {
            assertThat(SchemaCheck.metaErrors(type.schema())).as(type.type()).isEmpty();
            assertThat(type.title()).as(type.type()).isNotBlank();
            assertThat(type.description()).as(type.type()).isNotBlank();
            JsonNode example = type.example();
            assertThat(SchemaCheck.errors(type.schema(), example)).as(type.type()).isEmpty();
            if (type.type().equals(TriggerTypes.MANUAL)) {
                assertThat(example.isNull()).as("manual: no trigger section").isTrue();
                continue;
            }
            List<Violation> violations = new ArrayList<>();
            Triggers.validate((ObjectNode) example, "trigger", violations);
            assertThat(violations).as(type.type()).isEmpty();
            assertThat(Triggers.parse((ObjectNode) example).type()).isEqualTo(type.type());

            ObjectNode unknown = ((ObjectNode) example).deepCopy().put("colour", "blue");
            assertThat(SchemaCheck.errors(type.schema(), unknown)).as(type.type()).isNotEmpty();
            List<Violation> refused = new ArrayList<>();
            Triggers.validate(unknown, "trigger", refused);
            assertThat(refused).extracting(Violation::field).contains("trigger.colour");
        }
    }
}
