package io.zaps.contract;

import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemplatesTest {
    private final Map<String, Object> data = Map.of(
            "customer_email", "john@example.com",
            "amount", 150,
            "steps", Map.of("fetch", Map.of("output", Map.of("body", Map.of("id", "A-7", "items", List.of("x", "y"))))));

    @Test
    void substitutesVariablesWithOrWithoutSpaces() {
        JsonNode config = Json.mapper().readTree("{\"to\": \"{{customer_email}}\", \"subject\": \"Pay {{ amount }} now\", \"n\": 3}");
        JsonNode rendered = Templates.render(config, data, "config");
        assertThat(rendered.get("to").stringValue()).isEqualTo("john@example.com");
        assertThat(rendered.get("subject").stringValue()).isEqualTo("Pay 150 now");
        assertThat(rendered.get("n").intValue()).isEqualTo(3);
    }

    @Test
    void aWholeValueTemplateKeepsItsJsonType() {
        JsonNode rendered = Templates.render(Json.mapper().readTree("{\"amount\": \"{{ amount }}\", \"items\": \"{{ steps.fetch.output.body.items }}\", \"first\": \"{{ steps.fetch.output.body.items[0] }}\"}"), data, "config");
        assertThat(rendered.get("amount").isNumber()).isTrue();
        assertThat(rendered.get("items").isArray()).isTrue();
        assertThat(rendered.get("first").stringValue()).isEqualTo("x");
    }

    @Test
    void earlierStepOutputsAreReachable() {
        assertThat(Templates.renderString("/orders/{{ steps.fetch.output.body.id }}", data, "url")).isEqualTo("/orders/A-7");
    }

    @Test
    void anUnknownVariableIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> Templates.render(Json.mapper().readTree("{\"body\": {\"to\": \"{{ customer_emial }}\"}}"), data, "config"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("config.body.to")
                .hasMessageContaining("customer_emial");
        assertThatThrownBy(() -> Templates.render(Json.mapper().readTree("{\"x\": \"{{ nope.deeper }}\"}"), data, "config"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("config.x");
    }

    @Test
    void templatesCannotCallJavaMethods() {
        assertThatThrownBy(() -> Templates.renderString("{{ customer_email.getClass() }}", data, "x"))
                .isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> Templates.renderString("{{ customer_email.class.forName('java.lang.Runtime') }}", data, "x"))
                .isInstanceOf(TemplateException.class);
    }

    @Test
    void syntaxErrorsAreReportedWithoutRendering() {
        assertThat(Templates.syntaxError("Hello {{ name")).isNotNull();
        assertThat(Templates.syntaxError("Hello {{ name }}")).isNull();
        assertThat(Templates.syntaxError("no template at all")).isNull();
    }
}
