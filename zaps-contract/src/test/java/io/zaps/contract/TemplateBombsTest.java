package io.zaps.contract;

import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.TemplateLimits;
import io.zaps.contract.template.Templates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Templates that are valid when saved but unbounded when they run (issue 13): each fails its render
 * with a reason, quickly, instead of taking the executor's memory, stack or time.
 */
@Timeout(10)
class TemplateBombsTest {
    private final Map<String, Object> data = Map.of("name", "Ada", "items", List.of(1, 2, 3), "n", 5);

    private static String render(String template, Map<String, Object> data) {
        JsonNode rendered = Templates.render(JsonNodeFactory.instance.stringNode(template), data, "config.body");
        return rendered.stringValue();
    }

    @Test
    void aHugeRangeIsRefusedBeforeItIsBuilt() {
        assertThatThrownBy(() -> render("{% for i in range(0, 2000000000) %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("config.body")
                .hasMessageContaining("range(0, 2000000000) would make 2000000001 items");
        assertThatThrownBy(() -> render("{% for i in 0..2000000000 %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("items, more than the limit");
    }

    @Test
    void nestedLoopsStopAtTheIterationLimit() {
        assertThatThrownBy(() -> render("{% for i in range(1, 10000) %}{% for j in range(1, 10000) %}{% endfor %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("loops ran more than " + TemplateLimits.DEFAULT.maxIterations() + " iterations");
    }

    @Test
    void loopsOverDataCountToo() {
        List<Integer> thousand = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            thousand.add(i);
        }
        assertThatThrownBy(() -> render("{% for a in big %}{% for b in big %}{% endfor %}{% endfor %}", Map.of("big", thousand)))
                .isInstanceOf(TemplateException.class).hasMessageContaining("iterations");
    }

    @Test
    void aStringDoubledFortyTimesIsRefused() {
        assertThatThrownBy(() -> render("{% set s = 'x' %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("the operator '~' would make 1048576 characters");
        assertThatThrownBy(() -> render("{% set s = 'x' %}{% for i in range(1, 40) %}{% set s = s + s %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("the operator '+'");
        assertThatThrownBy(() -> render("{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(1, 40) %}{% set s = s | replace({'x': 'xx'}) %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("the filter 'replace'");
        assertThatThrownBy(() -> render("{% set l = [1] %}{% for i in range(1, 40) %}{% set l = l | merge(l) %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("the filter 'merge'");
        assertThatThrownBy(() -> render("{% set s = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' %}{% for i in range(1, 16) %}{% set s = [s, s] | join(s) %}{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("the filter 'join'");
    }

    @Test
    void aHundredMillionCharacterOutputIsRefused() {
        assertThatThrownBy(() -> render("{% for i in range(1, 100000) %}" + "x".repeat(1000) + "{% endfor %}", data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("1000000");
    }

    @Test
    void numbersCannotGrowWithoutBound() {
        // Pebble computes through doubles: a number squared forty times overflows instead of growing digits.
        assertThatThrownBy(() -> render("{% set x = n %}{% for i in range(1, 40) %}{% set x = x * x %}{% endfor %}{{ x }}",
                Map.of("n", new BigDecimal("12345678901234567890"))))
                .isInstanceOf(TemplateException.class).hasMessageContaining("multiplication");
    }

    @Test
    void aSlowTemplateStopsAtTheTimeLimit() {
        TemplateLimits limits = new TemplateLimits(Integer.MAX_VALUE, 1_000_000, 100_000, 1_000, Duration.ofMillis(200));
        long started = System.nanoTime();
        assertThatThrownBy(() -> Templates.render(JsonNodeFactory.instance.stringNode(
                        "{% for i in range(1, 100000) %}{% for j in range(1, 100000) %}{% set k = j + 1 %}{% endfor %}{% endfor %}"),
                data, "config.body", limits))
                .isInstanceOf(TemplateException.class).hasMessageContaining("longer than 200 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aDeeplyNestedTemplateIsAnErrorNotACrash() {
        String deep = "{{ " + "(".repeat(50_000) + "1" + ")".repeat(50_000) + " }}";
        assertThat(Templates.syntaxError(deep)).isNotNull();
        assertThatThrownBy(() -> render(deep, data)).isInstanceOf(TemplateException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{% include 'other' %}",
            "{% import 'other' %}",
            "{% extends 'base' %}",
            "{% embed 'base' %}{% endembed %}",
            "{% macro boom(n) %}{{ boom(n) }}{% endmacro %}{{ boom(1) }}",
            "{% block b %}x{% endblock %}",
            "{% parallel %}x{% endparallel %}",
            "{% cache 'k' %}x{% endcache %}",
            "{%- include \"{{ secret('smtp_password') }}\" -%}",
    })
    void refusedTagsAreRefusedWhenSavedAndWhenRun(String template) {
        assertThat(Templates.syntaxError(template)).contains("tag is not allowed in Zaps templates");
        assertThatThrownBy(() -> render(template, data))
                .isInstanceOf(TemplateException.class).hasMessageContaining("tag is not allowed");
    }

    @Test
    void theI18nFunctionIsGone() {
        assertThatThrownBy(() -> render("{{ i18n('messages', 'key') }}", data)).isInstanceOf(TemplateException.class);
    }

    @Test
    void ordinaryTemplatesStillWork() {
        assertThat(render("{% for i in items %}{{ i }}{% if i != 3 %},{% endif %}{% endfor %} of {{ items | length }}", data))
                .isEqualTo("1,2,3 of 3");
        assertThat(render("{{ name | upper }} {{ 'a' ~ 'b' }} {{ n + 1 }} {{ [1, 2] | merge([3]) | join('-') }} {{ name | replace({'A': 'a'}) }}", data))
                .isEqualTo("ADA ab 6 1-2-3 ada");
        assertThat(render("{% for i in range(1, 3) %}{{ i }}{% endfor %}{% for c in 'a'..'c' %}{{ c }}{% endfor %}", data)).isEqualTo("123abc");
        assertThat(render("{{ missing | default('none') }} {{ '<b>' | escape }}", data)).isEqualTo("none &lt;b&gt;");
        assertThat(render("{% filter upper %}hi {{ name }}{% endfilter %}", data)).isEqualTo("HI ADA");
    }
}
