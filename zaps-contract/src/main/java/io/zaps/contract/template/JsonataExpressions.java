package io.zaps.contract.template;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * <a href="https://docs.jsonata.org">JSONata</a> expressions, as a {@code transform} step's
 * {@code {"expression": "..."}}: evaluated over the run's data (the same map templates see: the trigger
 * context's fields at the top, {@code context}, {@code steps.<id>.output}, {@code run}), the result is
 * the step's output. E.g. {@code items.{"id": id, "total": price * qty}} or {@code $sum(items.(price * qty))}.
 * Implemented by {@code com.dashjoin:jsonata}, the JSONata reference port to Java.
 *
 * <p>Bounded per evaluation by {@link Limits}, which fail the evaluation with a {@link TemplateException}
 * naming the bound: wall-clock time and nesting depth (checked each time the evaluator enters or leaves
 * a sub-expression, including inside lambdas that built-in functions call), the characters of any
 * string, the items of any list or object, the total size of any value (shared parts counted as often as
 * they appear, so a value cannot double itself into an exponentially large tree), and the work of the
 * whole evaluation (the sizes of all intermediate results added up). The built-in functions whose work
 * does not scale with their input ({@code $pad}, {@code $join}, {@code $replace}, {@code $formatInteger}
 * and the date/number picture functions) are checked before they run; {@code $now()} and
 * {@code $millis()} return the instant the caller passes, so an evaluation reads no clock of its own.
 *
 * <p>Not bounded: the time a regular expression takes inside {@code java.util.regex} (a pattern with
 * catastrophic backtracking over a long string), and the memory one built-in call takes while it runs
 * over a value already within the bounds (e.g. {@code $string} or {@code **} over the largest allowed
 * value allocate a few times its size before their result is refused).
 */
public final class JsonataExpressions {
    /** The longest expression accepted (a transform's expression is part of its workflow definition). */
    public static final int MAX_EXPRESSION_CHARS = 10_000;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonataExpressions() {}

    /**
     * The bounds of one evaluation.
     *
     * @param maxTime      wall-clock time of one evaluation
     * @param maxDepth     nesting of sub-expression evaluations (recursion that is not in tail position adds to it)
     * @param maxChars     characters of any string the evaluation makes or sees
     * @param maxItems     items of any list or object the evaluation makes or sees
     * @param maxValueSize the size of any one value: its strings' characters, object keys' characters and
     *                     items, counted through every nesting level as often as they appear
     * @param maxWork      the sizes of all intermediate results of one evaluation added up (each string's
     *                     characters, each list's or object's items)
     */
    public record Limits(Duration maxTime, int maxDepth, int maxChars, int maxItems, long maxValueSize, long maxWork) {
        /** What the executor evaluates transforms with; {@code maxValueSize} leaves room for the largest run state (960 KiB), seen twice. */
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(1), 400, 1_000_000, 100_000, 4_000_000, 20_000_000);

        public Limits {
            Objects.requireNonNull(maxTime, "maxTime");
            if (maxTime.isNegative() || maxTime.isZero() || maxDepth < 1 || maxChars < 1 || maxItems < 1 || maxValueSize < 1 || maxWork < 1) {
                throw new IllegalArgumentException("JSONata limits must be positive: " + this);
            }
        }
    }

    /** Why {@code expression} is not a JSONata expression Zaps accepts (a phrase about it), or {@code null} when it parses. */
    public static String syntaxError(String expression) {
        try {
            parse(expression);
            return null;
        } catch (Refused e) {
            return e.getMessage();
        }
    }

    private static Jsonata parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new Refused("must be a JSONata expression, e.g. items.{\"id\": id, \"total\": price * qty}");
        }
        if (expression.length() > MAX_EXPRESSION_CHARS) {
            throw new Refused("is " + expression.length() + " characters, more than the " + MAX_EXPRESSION_CHARS + " an expression may have");
        }
        try {
            return Jsonata.jsonata(expression);
        } catch (RuntimeException e) {
            throw new Refused("invalid JSONata expression: " + describe(e));
        } catch (StackOverflowError e) {
            throw new Refused("invalid JSONata expression: it is nested too deeply");
        }
    }

    /** An expression that does not parse, or that Zaps does not take. */
    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The value of {@code expression} over {@code data} as JSON, within {@link Limits#DEFAULT}.
     * JSONata's "nothing" (no match) is JSON {@code null}.
     *
     * @param now   what {@code $now()} and {@code $millis()} return
     * @param field names the expression in errors, e.g. {@code config.expression}
     * @throws TemplateException naming {@code field} when the expression does not parse, fails, exceeds a
     *                           bound, or yields something that is not JSON (a function)
     */
    public static JsonNode evaluate(String expression, Map<String, Object> data, Instant now, String field) {
        return evaluate(expression, data, now, field, Limits.DEFAULT);
    }

    /** {@link #evaluate(String, Map, Instant, String)} within {@code limits}. */
    public static JsonNode evaluate(String expression, Map<String, Object> data, Instant now, String field, Limits limits) {
        Jsonata parsed;
        try {
            parsed = parse(expression);
        } catch (Refused e) {
            throw new TemplateException(field, e.getMessage(), null);
        }
        JsonataGuard guard = new JsonataGuard(limits, now);
        Object result;
        try {
            Jsonata.Frame frame = parsed.createFrame();
            guard.install(frame);
            result = parsed.evaluate(toJsonata(data), frame);
        } catch (RuntimeException | StackOverflowError e) {
            String reason = guard.exceeded();
            if (reason == null) {
                reason = e instanceof StackOverflowError ? "the expression recursed too deeply" : describe(e);
            }
            throw new TemplateException(field, reason, null);
        }
        return Templates.withoutMarkerCharacters(toJson(result, field, limits));
    }

    /** JSON-shaped data as JSONata takes it: fresh maps and lists, JSON null as JSONata's null, numbers as longs or doubles. */
    static Object toJsonata(Object value) {
        if (value == null) {
            return Jsonata.NULL_VALUE;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), toJsonata(v)));
            return out;
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(item -> out.add(toJsonata(item)));
            return out;
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? (Object) big.longValue() : big.doubleValue();
        }
        if (value instanceof BigDecimal || value instanceof Float) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof Byte || value instanceof Short) {
            return ((Number) value).intValue();
        }
        return value;
    }

    /** JSONata's result as JSON: integral doubles become integers; a function or regex anywhere in it is refused. */
    static JsonNode toJson(Object value, String field, Limits limits) {
        long[] size = {0};
        return toJson(value, "", field, limits, size);
    }

    private static JsonNode toJson(Object value, String at, String field, Limits limits, long[] size) {
        if (++size[0] > limits.maxValueSize()) {
            throw new TemplateException(field, "the result is larger than " + limits.maxValueSize() + " (characters and items)", null);
        }
        if (value == null || value == Jsonata.NULL_VALUE) {
            return NODES.nullNode();
        }
        if (value instanceof String text) {
            size[0] += text.length();
            return NODES.stringNode(text);
        }
        if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            return integer(((Number) value).longValue());
        }
        if (value instanceof BigInteger big) {
            return NODES.numberNode(big);
        }
        if (value instanceof BigDecimal decimal) {
            return NODES.numberNode(decimal);
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            if (!Double.isFinite(d)) {
                throw new TemplateException(field, "the result" + where(at) + " is " + d + ", which is not a JSON number", null);
            }
            return d == Math.rint(d) && Math.abs(d) <= 9_007_199_254_740_992d ? integer((long) d) : NODES.numberNode(d);
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode out = NODES.objectNode();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                size[0] += key.length();
                out.set(key, toJson(e.getValue(), at + "." + key, field, limits, size));
            }
            return out;
        }
        if (value instanceof List<?> list) {
            ArrayNode out = NODES.arrayNode();
            for (int i = 0; i < list.size(); i++) {
                out.add(toJson(list.get(i), at + "[" + i + "]", field, limits, size));
            }
            return out;
        }
        String kind = value instanceof java.util.regex.Pattern ? "a regular expression" : "a function";
        throw new TemplateException(field, "the result" + where(at) + " is " + kind + ", which is not JSON", null);
    }

    /** As Jackson reads the same number from JSON: an int node when it fits. */
    private static JsonNode integer(long value) {
        return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
    }

    private static String where(String at) {
        return at.isEmpty() ? "" : " at " + (at.startsWith(".") ? at.substring(1) : at);
    }

    /** dashjoin prefixes messages without an error code of its own with "JSonataException "; the position helps. */
    private static String describe(Throwable e) {
        Throwable shown = e;
        while (!(shown instanceof JException) && shown.getCause() != null && shown.getCause() != shown) {
            shown = shown.getCause();
        }
        if (!(shown instanceof JException)) {
            shown = e;
        }
        String message = String.valueOf(shown.getMessage()).replaceFirst("^JSonataException ", "");
        if (shown instanceof JException j && j.getLocation() > 0) {
            message += " (at character " + j.getLocation() + ")";
        }
        return message;
    }
}
