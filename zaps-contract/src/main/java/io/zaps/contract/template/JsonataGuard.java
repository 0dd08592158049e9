package io.zaps.contract.template;

import com.dashjoin.jsonata.Functions;
import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.dashjoin.jsonata.Jsonata.JFunction;

import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bounds of one {@link JsonataExpressions} evaluation, enforced from inside dashjoin's evaluator: its
 * entry and exit callbacks (called around every sub-expression, lambdas included) check the time and
 * depth and measure every result; a few built-in functions are replaced by checked versions.
 *
 * <p>Not dashjoin's own {@code Frame.setRuntimeBounds}: its {@code Timebox} skips both checks while the
 * frame's {@code isParallelCall} flag is set (after the first item of any array constructor), so its depth
 * count drifts ({@code $map([1..500], function($v){[$v, $v]})} fails as a "stack overflow" at depth 100) and
 * its clock is not read in between. Reading the clock here is deliberate, as in {@link TemplateBudget}.
 *
 * <p>A bound that is hit is remembered: every later callback fails again, so an evaluator that catches
 * and rewraps the error (as {@code $eval} does) cannot go on, and the reason reported is the bound's.
 */
final class JsonataGuard {
    /** Longest date or number picture string accepted by the picture functions (their work grows faster than it). */
    static final int MAX_PICTURE_CHARS = 1_000;
    /** Largest number {@code $formatInteger} writes in roman numerals (dashjoin appends an "m" per thousand). */
    static final long MAX_ROMAN = 100_000;

    private final JsonataExpressions.Limits limits;
    private final long nowMillis;
    private final long deadline;
    private final Map<Object, Long> sizes = new IdentityHashMap<>();
    private int depth;
    private long work;
    private String exceeded;

    JsonataGuard(JsonataExpressions.Limits limits, Instant now) {
        this.limits = limits;
        this.nowMillis = now.toEpochMilli();
        this.deadline = System.nanoTime() + limits.maxTime().toNanos();
    }

    /** The bound that stopped the evaluation, or {@code null}. */
    String exceeded() {
        return exceeded;
    }

    /** Registers the callbacks and the checked functions in {@code frame}, the evaluation's bindings. */
    void install(Jsonata.Frame frame) {
        frame.setEvaluateEntryCallback((expr, input, env) -> enter());
        frame.setEvaluateExitCallback((expr, input, env, result) -> exit(result));
        BUILTINS.forEach((name, builtin) -> frame.bind(name, measured(builtin, SIGNATURES.get(name), precheck(name))));
        frame.bind("pad", new JFunction((input, args) -> measured(pad(args)), SIGNATURES.get("pad")));
        frame.bind("replace", new JFunction((input, args) -> measured(replace(input, args)), SIGNATURES.get("replace")));
        frame.bind("now", new JFunction((input, args) -> Functions.dateTimeFromMillis(nowMillis, (String) arg(args, 0), (String) arg(args, 1)),
                SIGNATURES.get("now")));
        frame.bind("millis", new JFunction((input, args) -> nowMillis, SIGNATURES.get("millis")));
    }

    /**
     * dashjoin's built-in functions with the signatures it registers them with ({@code Jsonata.registerFunctions}
     * of 0.9.10). Each is bound again, same name and signature, to a function that checks the clock and
     * measures its result: a call in tail position is applied by dashjoin's trampoline, not through the
     * evaluator, so its result would otherwise pass no exit callback.
     */
    private static final Map<String, String> SIGNATURES = Map.ofEntries(
            Map.entry("sum", "<a<n>:n>"), Map.entry("count", "<a:n>"), Map.entry("max", "<a<n>:n>"), Map.entry("min", "<a<n>:n>"),
            Map.entry("average", "<a<n>:n>"), Map.entry("string", "<x-b?:s>"), Map.entry("substring", "<s-nn?:s>"),
            Map.entry("substringBefore", "<s-s:s>"), Map.entry("substringAfter", "<s-s:s>"), Map.entry("lowercase", "<s-:s>"),
            Map.entry("uppercase", "<s-:s>"), Map.entry("length", "<s-:n>"), Map.entry("trim", "<s-:s>"), Map.entry("pad", "<s-ns?:s>"),
            Map.entry("match", "<s-f<s:o>n?:a<o>>"), Map.entry("contains", "<s-(sf):b>"), Map.entry("replace", "<s-(sf)(sf)n?:s>"),
            Map.entry("split", "<s-(sf)n?:a<s>>"), Map.entry("join", "<a<s>s?:s>"), Map.entry("formatNumber", "<n-so?:s>"),
            Map.entry("formatBase", "<n-n?:s>"), Map.entry("formatInteger", "<n-s:s>"), Map.entry("parseInteger", "<s-s:n>"),
            Map.entry("number", "<(nsb)-:n>"), Map.entry("floor", "<n-:n>"), Map.entry("ceil", "<n-:n>"), Map.entry("round", "<n-n?:n>"),
            Map.entry("abs", "<n-:n>"), Map.entry("sqrt", "<n-:n>"), Map.entry("power", "<n-n:n>"), Map.entry("random", "<:n>"),
            Map.entry("boolean", "<x-:b>"), Map.entry("not", "<x-:b>"), Map.entry("map", "<af>"), Map.entry("zip", "<a+>"),
            Map.entry("filter", "<af>"), Map.entry("single", "<af?>"), Map.entry("reduce", "<afj?:j>"), Map.entry("sift", "<o-f?:o>"),
            Map.entry("keys", "<x-:a<s>>"), Map.entry("lookup", "<x-s:x>"), Map.entry("append", "<xx:a>"), Map.entry("exists", "<x:b>"),
            Map.entry("spread", "<x-:a<o>>"), Map.entry("merge", "<a<o>:o>"), Map.entry("reverse", "<a:a>"), Map.entry("each", "<o-f:a>"),
            Map.entry("error", "<s?:x>"), Map.entry("assert", "<bs?:x>"), Map.entry("type", "<x:s>"), Map.entry("sort", "<af?:a>"),
            Map.entry("shuffle", "<a:a>"), Map.entry("distinct", "<x:x>"), Map.entry("base64encode", "<s-:s>"),
            Map.entry("base64decode", "<s-:s>"), Map.entry("encodeUrlComponent", "<s-:s>"), Map.entry("encodeUrl", "<s-:s>"),
            Map.entry("decodeUrlComponent", "<s-:s>"), Map.entry("decodeUrl", "<s-:s>"), Map.entry("eval", "<sx?:x>"),
            Map.entry("toMillis", "<s-s?:n>"), Map.entry("fromMillis", "<n-s?s?:s>"), Map.entry("clone", "<(oa)-:o>"),
            Map.entry("now", "<s?s?:s>"), Map.entry("millis", "<:n>"));

    /** Replaced outright rather than wrapped. */
    private static final Set<String> OWN = Set.of("pad", "replace", "now", "millis");

    private static final Map<String, JFunction> BUILTINS = builtins();

    private static Map<String, JFunction> builtins() {
        Map<String, JFunction> builtins = new TreeMap<>();
        for (String name : SIGNATURES.keySet()) {
            if (!OWN.contains(name) && Jsonata.jsonata("$" + name).evaluate(null) instanceof JFunction builtin) {
                builtins.put(name, builtin);
            }
        }
        return Map.copyOf(builtins);
    }

    private static final JFunction BUILTIN_REPLACE = (JFunction) Jsonata.jsonata("$replace").evaluate(null);

    /** What is checked before a built-in function runs whose work does not follow from the size of its arguments. */
    private Consumer<List<?>> precheck(String name) {
        return switch (name) {
            case "join" -> this::checkJoin;
            case "formatInteger" -> this::checkFormatInteger;
            case "formatNumber", "fromMillis", "toMillis", "parseInteger" -> args -> checkPicture(name, args);
            default -> null;
        };
    }

    private JFunction measured(JFunction builtin, String signature, Consumer<List<?>> precheck) {
        return new JFunction((input, args) -> {
            check();
            if (precheck != null) {
                precheck.accept(args);
            }
            return measured(builtin.call(input, args));
        }, signature);
    }

    private Object measured(Object result) {
        check();
        measure(result);
        return result;
    }

    private void enter() {
        check();
        if (++depth > limits.maxDepth()) {
            throw refuse("the expression nested or recursed deeper than " + limits.maxDepth() + " levels");
        }
    }

    private void exit(Object result) {
        depth--;
        check();
        measure(result);
    }

    private void check() {
        if (exceeded != null) {
            throw new JException(exceeded, -1);
        }
        if (System.nanoTime() > deadline) {
            throw refuse("evaluation took longer than " + limits.maxTime().toMillis() + " ms");
        }
    }

    private JException refuse(String reason) {
        exceeded = reason;
        return new JException(reason, -1);
    }

    /** Checks one result's size, and adds its own items or characters to the evaluation's work. */
    private void measure(Object value) {
        if (value instanceof String text) {
            chars(text.length(), "a string");
            work(text.length());
        } else if (value instanceof List<?> || value instanceof Map<?, ?>) {
            int items = value instanceof List<?> list ? list.size() : ((Map<?, ?>) value).size();
            items(items);
            work(items);
            size(value);
        }
    }

    private void chars(long length, String what) {
        if (length > limits.maxChars()) {
            throw refuse(what + " of " + length + " characters, more than the limit of " + limits.maxChars());
        }
    }

    private void items(long count) {
        if (count > limits.maxItems()) {
            throw refuse("a list or object of " + count + " items, more than the limit of " + limits.maxItems());
        }
    }

    private void work(long amount) {
        work += amount;
        if (work > limits.maxWork()) {
            throw refuse("the evaluation made more than " + limits.maxWork() + " characters and items in all");
        }
    }

    /**
     * The size of {@code value} through every level, each shared part counted as often as it appears;
     * remembered per list or object, so a value built from measured parts costs only its own items.
     */
    private long size(Object value) {
        if (value instanceof String text) {
            return text.length() + 1L;
        }
        if (!(value instanceof List<?>) && !(value instanceof Map<?, ?>)) {
            return 1;
        }
        Long known = sizes.get(value);
        if (known != null) {
            return known;
        }
        long total = 1;
        if (value instanceof List<?> list) {
            items(list.size());
            for (Object item : list) {
                total = add(total, size(item));
            }
        } else {
            Map<?, ?> map = (Map<?, ?>) value;
            items(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                total = add(total, String.valueOf(e.getKey()).length() + size(e.getValue()));
            }
        }
        sizes.put(value, total);
        return total;
    }

    private long add(long total, long more) {
        long sum = total + more;
        if (sum > limits.maxValueSize()) {
            throw refuse("a value larger than " + limits.maxValueSize() + " (characters and items, counted through every level)");
        }
        return sum;
    }

    private static Object arg(List<?> args, int i) {
        return args != null && args.size() > i ? args.get(i) : null;
    }

    /** {@code $pad}, as dashjoin's (code points, the pad string repeated), built in one pass rather than by repeated concatenation. */
    private Object pad(List<?> args) {
        check();
        String str = (String) arg(args, 0);
        if (str == null) {
            return null;
        }
        double width = ((Number) arg(args, 1)).doubleValue();
        if (Math.abs(width) > limits.maxChars()) {
            throw refuse("$pad to a width of " + (long) width + ", more than the limit of " + limits.maxChars() + " characters");
        }
        String padWith = (String) arg(args, 2);
        int[] with = (padWith == null || padWith.isEmpty() ? " " : padWith).codePoints().toArray();
        int pads = Math.abs((int) width) - str.codePointCount(0, str.length());
        if (pads <= 0) {
            return str;
        }
        StringBuilder padding = new StringBuilder(pads);
        for (int i = 0; i < pads; i++) {
            padding.appendCodePoint(with[i % with.length]);
        }
        return width < 0 ? padding.append(str).toString() : str + padding;
    }

    private void checkJoin(List<?> args) {
        if (!(arg(args, 0) instanceof List<?> strings)) {
            return;
        }
        Object separator = arg(args, 1);
        long length = separator instanceof String s ? (long) s.length() * Math.max(0, strings.size() - 1) : 0;
        for (Object item : strings) {
            length += item instanceof String s ? s.length() : 0;
        }
        chars(length, "$join would make a string");
    }

    /**
     * {@code $replace}: without a limit, the result's length is worked out before it is made; with one,
     * dashjoin replaces the first match {@code limit} times over, which is done here one replacement at a
     * time, stopping when nothing changes any more (the same result) and checking each step.
     */
    private Object replace(Object input, List<?> args) throws Throwable {
        check();
        JFunction builtin = BUILTIN_REPLACE;
        Object str = arg(args, 0);
        Object pattern = arg(args, 1);
        Object replacement = arg(args, 2);
        Object limit = arg(args, 3);
        if (!(str instanceof String text)) {
            return builtin.call(input, args);
        }
        if (limit instanceof Number n && n.doubleValue() >= 0) {
            long times = (long) n.doubleValue();
            String current = text;
            for (long i = 0; i < times; i++) {
                check();
                List<Object> once = new ArrayList<>(List.of(current, pattern, replacement, 1));
                String next = (String) builtin.call(input, once);
                chars(next.length(), "$replace would make a string");
                if (next.equals(current)) {
                    break;
                }
                current = next;
            }
            return current;
        }
        if (replacement instanceof String with) {
            long matches = 0;
            if (pattern instanceof String find && !find.isEmpty()) {
                for (int at = text.indexOf(find); at >= 0; at = text.indexOf(find, at + find.length())) {
                    matches++;
                }
                chars(text.length() + matches * ((long) with.length() - find.length()), "$replace would make a string");
            } else if (pattern instanceof Pattern regex) {
                Matcher m = regex.matcher(text);
                while (m.find()) {
                    matches++;
                }
                long groups = with.chars().filter(c -> c == '$').count();
                chars(text.length() + matches * (with.length() + groups * text.length()), "$replace would make a string");
            }
        }
        return builtin.call(input, args);
    }

    private void checkFormatInteger(List<?> args) {
        checkPicture("formatInteger", args);
        Object value = arg(args, 0);
        Object picture = arg(args, 1);
        if (value instanceof Number n && picture instanceof String p && p.trim().equalsIgnoreCase("i")
                && Math.abs(n.doubleValue()) > MAX_ROMAN) {
            throw refuse("$formatInteger in roman numerals of " + n + ", more than " + MAX_ROMAN);
        }
    }

    private void checkPicture(String function, List<?> args) {
        if (arg(args, 1) instanceof String picture && picture.length() > MAX_PICTURE_CHARS) {
            throw refuse("$" + function + " with a picture of " + picture.length() + " characters, more than " + MAX_PICTURE_CHARS);
        }
    }
}
