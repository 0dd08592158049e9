package io.zaps.contract;

import io.zaps.contract.step.PdfExtractSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pdf_extract} configs through the workflow validator, as the gateway checks them at creation. */
class PdfExtractSpecTest {
    private static final String REF = "sha256:" + "ab".repeat(32);
    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());

    private List<Violation> validate(String config) {
        String json = "{\"id\": \"w\", \"name\": \"n\", \"entry_point\": \"a\", \"steps\": [{\"id\": \"a\", \"type\": \"pdf_extract\", \"config\": "
                + config + "}]}";
        return validator.validate(Json.read(json.getBytes(), WorkflowDefinition.class));
    }

    @Test
    void isDiscoveredAsAnExternalStep() {
        assertThat(StepTypes.discover().find(PdfExtractSpec.TYPE)).hasValueSatisfying(spec -> assertThat(spec.external()).isTrue());
    }

    @Test
    void validConfigsPass() {
        assertThat(validate("""
                {"ref": "%s", "rules": [{"name": "invoice_number", "regex": "Invoice number:\\\\s*(?<value>\\\\S+)"}],
                 "fields": ["Amount", "Due date"], "schema": {"type": "object", "required": ["invoice_number"]},
                 "max_pages": 10, "timeout_seconds": 30}""".formatted(REF))).isEmpty();
        assertThat(validate("{\"ref\": \"{{ attachments[0].ref }}\", \"fields\": [\"Amount\"]}")).isEmpty();
        assertThat(validate("{\"url\": \"{{ base }}/invoice.pdf\", \"fields\": [\"Amount\"]}")).isEmpty();
        assertThat(validate("{\"url\": \"https://example.com/a.pdf\", \"rules\": [{\"name\": \"n\", \"regex\": \"No\\\\. (\\\\d+)\"}]}")).isEmpty();
    }

    @Test
    void exactlyOneSourceIsRequired() {
        assertThat(validate("{\"fields\": [\"Amount\"]}")).extracting(Violation::field).containsExactly("steps[0].config.ref");
        assertThat(validate("{\"ref\": \"" + REF + "\", \"url\": \"http://x/a.pdf\", \"fields\": [\"Amount\"]}"))
                .extracting(Violation::field).containsExactly("steps[0].config.url");
        assertThat(validate("{\"ref\": \"../../etc/passwd\", \"fields\": [\"Amount\"]}"))
                .extracting(Violation::field).containsExactly("steps[0].config.ref");
        assertThat(validate("{\"url\": \"ftp://x/a.pdf\", \"fields\": [\"Amount\"]}"))
                .extracting(Violation::field).containsExactly("steps[0].config.url");
    }

    @Test
    void badRulesAndFieldsAreNamed() {
        List<Violation> violations = validate("""
                {"ref": "%s", "rules": [{"name": "a", "regex": "(unclosed"}, {"name": "a", "regex": "x"}, {"name": "1x", "regex": "y", "flags": "i"},
                                        {"name": "t", "regex": "{{ x }}"}],
                 "fields": ["", "has: colon"], "schema": "object", "max_pages": 0, "colour": "red"}""".formatted(REF));
        assertThat(violations).extracting(Violation::field).containsExactlyInAnyOrder(
                "steps[0].config.rules[0].regex", "steps[0].config.rules[1].name", "steps[0].config.rules[2].name",
                "steps[0].config.rules[2].flags", "steps[0].config.rules[3].regex", "steps[0].config.fields[0]",
                "steps[0].config.fields[1]", "steps[0].config.schema", "steps[0].config.max_pages", "steps[0].config.colour");
        assertThat(violations).filteredOn(v -> v.field().endsWith("rules[0].regex")).singleElement()
                .satisfies(v -> assertThat(v.message()).contains("not a valid regular expression"));
    }

    @Test
    void somethingToExtractIsRequired() {
        assertThat(validate("{\"ref\": \"" + REF + "\"}")).extracting(Violation::field).containsExactly("steps[0].config.rules");
        assertThat(validate("{\"ref\": \"" + REF + "\", \"rules\": [], \"fields\": []}"))
                .extracting(Violation::field).containsExactlyInAnyOrder("steps[0].config.rules", "steps[0].config.fields");
    }

    @Test
    void fieldKeysAreSnakeCase() {
        assertThat(PdfExtractSpec.fieldKey("Invoice number")).isEqualTo("invoice_number");
        assertThat(PdfExtractSpec.fieldKey(" Due date (UTC) ")).isEqualTo("due_date_utc");
    }
}
