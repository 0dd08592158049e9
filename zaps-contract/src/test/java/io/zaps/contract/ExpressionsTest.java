package io.zaps.contract;

import io.zaps.contract.template.Expressions;
import io.zaps.contract.template.TemplateException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExpressionsTest {
    private final Map<String, Object> data = Map.of("amount", 150, "country", "DE", "paid", false,
            "items", List.of("a", "b", "c"), "steps", Map.of("fetch", Map.of("output", Map.of("total", 1200))));

    @Test
    void conditionsAreBooleansOverTheRunsData() {
        assertThat(Expressions.condition("{{ amount > 100 and country == 'DE' }}", data, "config.condition")).isTrue();
        assertThat(Expressions.condition("{{ steps.fetch.output.total <= 1000 }}", data, "c")).isFalse();
        assertThat(Expressions.condition("{{ not paid }}", data, "c")).isTrue();
        assertThat(Expressions.condition("{{ items contains 'b' }}", data, "c")).isTrue();
        assertThat(Expressions.condition("  {{ paid }}  ", data, "c")).isFalse();
        assertThat(Expressions.condition("{{ '1234.50' | number > 1000 }}", data, "c")).isTrue();
        assertThat(Expressions.condition("{{ amount | number == 150 }}", data, "c")).isTrue();
    }

    @Test
    void aConditionThatIsNotABooleanFailsNamingTheFieldAndTheValue() {
        assertThatThrownBy(() -> Expressions.condition("{{ country }}", data, "config.cases[1].when"))
                .isInstanceOf(TemplateException.class)
                .hasMessage("config.cases[1].when: the condition must be true or false, but is the string 'DE'");
        assertThatThrownBy(() -> Expressions.condition("{{ amount * 2 }}", data, "c")).hasMessageContaining("the number 300");
        assertThatThrownBy(() -> Expressions.condition("{{ nope > 1 }}", data, "c")).isInstanceOf(TemplateException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> Expressions.condition("{{ country | number > 1 }}", data, "c")).hasMessageContaining("cannot read 'DE' as a number");
    }

    @Test
    void syntaxIsCheckedWithoutData() {
        assertThat(Expressions.syntaxError("{{ amount > 100 }}")).isNull();
        assertThat(Expressions.syntaxError("amount > 100")).contains("one expression in double braces");
        assertThat(Expressions.syntaxError("{{ a }} and {{ b }}")).contains("one expression");
        assertThat(Expressions.syntaxError("{{ amount > }}")).isNotNull();
        assertThat(Expressions.syntaxError("{{ secret('x') == 'y' }}")).contains("secret()");
        assertThat(Expressions.syntaxError("{% if a %}{% endif %}")).isNotNull();
    }

    @Test
    void aHostileExpressionIsBounded() {
        assertThatThrownBy(() -> Expressions.condition("{{ (range(0, 2000000000) | length) > 0 }}", data, "c"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("items");
    }

    @Test
    void typedRenderingKeepsTheTypeOfWholeExpressions() {
        JsonNode rendered = Expressions.renderTyped(Json.mapper().readTree("""
                {"double": "{{ amount * 2 }}", "big": "{{ amount > 100 }}", "items": "{{ items }}",
                 "text": "Total {{ amount }} in {{ country }}", "literal": 7, "nested": [{"c": "{{ country | lower }}"}]}"""), data, "config.output");
        assertThat(rendered.get("double").isNumber()).isTrue();
        assertThat(rendered.get("double").intValue()).isEqualTo(300);
        assertThat(rendered.get("big").booleanValue()).isTrue();
        assertThat(rendered.get("items").size()).isEqualTo(3);
        assertThat(rendered.get("text").stringValue()).isEqualTo("Total 150 in DE");
        assertThat(rendered.get("literal").intValue()).isEqualTo(7);
        assertThat(rendered.get("nested").get(0).get("c").stringValue()).isEqualTo("de");
    }
}
