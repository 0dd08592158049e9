package io.zaps.contract;

import io.zaps.contract.template.JsonataExpressions;
import io.zaps.contract.template.TemplateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JSONata transforms: the run's data in, JSON out, syntax checked without data, every evaluation bounded. */
class JsonataExpressionsTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String FIELD = "config.expression";

    /** The run's data as TemplateData builds it: Jackson's maps, lists and numbers. */
    private final Map<String, Object> data = Json.toMap(Json.mapper().readTree("""
            {"order_id": "A-1", "note": null, "big": 12345678901234567890,
             "items": [{"id": "p1", "price": 2.5, "qty": 2}, {"id": "p2", "price": 10, "qty": 3}],
             "steps": {"extract": {"status": "completed", "output": {"fields": {"total": 1200.75}}}},
             "run": {"id": "r-1", "workflow_id": "wf"}}"""));

    private JsonNode eval(String expression) {
        return JsonataExpressions.evaluate(expression, data, NOW, FIELD);
    }

    @Test
    void reshapesAListOverTheRunsData() {
        JsonNode out = eval("items.{\"id\": id, \"total\": price * qty}");

        assertThat(out).isEqualTo(Json.mapper().readTree("""
                [{"id": "p1", "total": 5}, {"id": "p2", "total": 30}]"""));
        assertThat(out.get(0).get("total").isIntegralNumber()).isTrue();
    }

    @Test
    void aggregatesAndReadsStepOutputsAndTheRun() {
        assertThat(eval("$sum(items.(price * qty))").asInt()).isEqualTo(35);
        assertThat(eval("$sum(items.price)").doubleValue()).isEqualTo(12.5);
        assertThat(eval("{\"order\": order_id, \"run\": run.id, \"total\": steps.extract.output.fields.total}"))
                .isEqualTo(Json.mapper().readTree("{\"order\": \"A-1\", \"run\": \"r-1\", \"total\": 1200.75}"));
    }

    @Test
    void jsonValuesKeepTheirMeaning() {
        assertThat(eval("note = null").booleanValue()).isTrue();
        assertThat(eval("{\"n\": note}").get("n").isNull()).isTrue();
        assertThat(eval("big > 1e19").booleanValue()).isTrue();
        assertThat(eval("items[qty = 3].id").stringValue()).isEqualTo("p2");
        assertThat(eval("[items[0]]")).hasSize(1);
        assertThat(eval("nothing_here").isNull()).isTrue();
        assertThat(eval("$now()").stringValue()).isEqualTo("2025-03-01T10:00:00.000Z");
        assertThat(eval("$millis()").longValue()).isEqualTo(NOW.toEpochMilli());
        assertThat(eval("$pad('ab', -5, '-')").stringValue()).isEqualTo("---ab");
        assertThat(eval("$replace('a-b-c', '-', '+', 1)").stringValue()).isEqualTo("a+b-c");
        assertThat(eval("$join(items.id, ', ')").stringValue()).isEqualTo("p1, p2");
    }

    @Test
    void syntaxIsCheckedWithoutData() {
        assertThat(JsonataExpressions.syntaxError("items.{\"id\": id}")).isNull();
        assertThat(JsonataExpressions.syntaxError("items.{\"id\": id")).startsWith("invalid JSONata expression: ");
        assertThat(JsonataExpressions.syntaxError("1 +")).contains("invalid JSONata expression");
        assertThat(JsonataExpressions.syntaxError(" ")).contains("must be a JSONata expression");
        assertThat(JsonataExpressions.syntaxError("1+".repeat(6000) + "1")).contains("more than the 10000");
        assertThat(JsonataExpressions.syntaxError("(".repeat(9000) + ")".repeat(900))).isNotNull();
    }

    @Test
    void errorsNameTheField() {
        assertThatThrownBy(() -> eval("1 +")).isInstanceOf(TemplateException.class)
                .hasMessageStartingWith("config.expression: invalid JSONata expression");
        assertThatThrownBy(() -> eval("$unknown(1)")).isInstanceOf(TemplateException.class)
                .hasMessageStartingWith("config.expression: ");
        assertThatThrownBy(() -> eval("{\"f\": function($x) { $x }}")).isInstanceOf(TemplateException.class)
                .hasMessage("config.expression: the result at f is a function, which is not JSON");
    }

    /** Hostile expressions and the bound each one hits. */
    static Stream<Arguments> hostile() {
        return Stream.of(
                Arguments.of("($f := function($x) { $f($x + 1) }; $f(0))", "took longer than 1000 ms"),
                Arguments.of("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))", "deeper than 400 levels"),
                Arguments.of("$count([1..9999999])", "more than the limit of 100000"),
                Arguments.of("$count([1..99999].[1..99999])", "characters and items in all|took longer than 1000 ms"),
                Arguments.of("$map([1..99999], function($v) { $pad('', 1000) }) ~> $join()", "characters and items in all"),
                Arguments.of("$length($pad('', 100000000))", "$pad to a width of 100000000"),
                Arguments.of("$length($reduce([1..40], function($acc, $v) { $acc & $acc }, 'xx'))", "more than the limit of 1000000"),
                Arguments.of("$string($reduce([1..40], function($acc, $v) { [$acc, $acc] }, 'xx'))", "more than the limit of 100000"),
                Arguments.of("$string($reduce([1..40], function($acc, $v) { {'a': $acc, 'b': $acc} }, 'xx'))", "a value larger than 4000000"),
                Arguments.of("$replace('abc', 'b', 'bb', 2000000000)", "took longer than 1000 ms"),
                Arguments.of("$join([1..99999].$string(), $pad('', 999999))", "$join would make a string"),
                Arguments.of("$formatInteger(1e15, 'I')", "roman numerals"),
                Arguments.of("$eval('($f := function($x) { $f($x + 1) }; $f(0))')", "took longer than 1000 ms"));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void aHostileExpressionIsStoppedWithinASecondOrTwoAndTheNextOneWorks(String hostile, String bound) {
        long started = System.nanoTime();
        assertThatThrownBy(() -> eval(hostile)).isInstanceOf(TemplateException.class)
                .hasMessageMatching("config\\.expression: .*(" + bound.replace("$", "\\$").replace("(", "\\(") + ").*");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

        assertThat(eval("$sum(items.(price * qty))").asInt()).isEqualTo(35);
    }

    @Test
    void aSmallerDepthBoundIsNamed() {
        assertThatThrownBy(() -> JsonataExpressions.evaluate("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))",
                data, NOW, FIELD, new JsonataExpressions.Limits(Duration.ofSeconds(1), 50, 1000, 1000, 10_000, 100_000)))
                .hasMessage("config.expression: the expression nested or recursed deeper than 50 levels");
    }

    @Test
    void manySmallItemsArrayConstructorsAreNotMistakenForRecursion() {
        // dashjoin's own Frame.setRuntimeBounds fails this as a "stack overflow" at depth 100.
        assertThat(eval("$count($map([1..5000], function($v) { [$v, $v] }))").asInt()).isEqualTo(5000);
    }
}
