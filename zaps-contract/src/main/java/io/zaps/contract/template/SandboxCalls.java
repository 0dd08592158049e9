package io.zaps.contract.template;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.extension.core.DefaultFilter;
import io.pebbletemplates.pebble.extension.escaper.EscapeFilter;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.PebbleTemplate;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The {@link Sandbox}'s filters and functions: Pebble's own, each checking the clock and the size of
 * what it made against the render's {@link TemplateBudget}; those that could make far more than they
 * were given ({@code range}, {@code join}, {@code merge}, {@code replace}) refuse before they do.
 */
final class SandboxCalls {
    private SandboxCalls() {}

    /** {@code filter}, bounded. */
    static Filter filter(String name, Filter filter) {
        if (filter instanceof DefaultFilter) {
            return filter; // Pebble treats it specially (it may see an undefined variable); it only picks one of its inputs
        }
        if (filter instanceof EscapeFilter) {
            return new CheckedEscape(); // Pebble checks for the type: an escaped value is not escaped twice
        }
        return switch (name) {
            case "replace" -> new BoundedReplace();
            case "join" -> new CheckedFilter(name, filter, SandboxCalls::joinedLength);
            case "merge" -> new CheckedFilter(name, filter, SandboxCalls::mergedSize);
            default -> new CheckedFilter(name, filter, null);
        };
    }

    /** The filter that hands an expression's value to {@link Expressions} (and outputs nothing). */
    static Filter valueCapture() {
        return new Filter() {
            @Override
            public List<String> getArgumentNames() {
                return List.of();
            }

            @Override
            public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
                TemplateBudget.current().capture(input);
                return "";
            }
        };
    }

    /**
     * {@code number}: a string read as a decimal number ({@code {{ steps.extract.output.fields.amount | number > 1000 }}}:
     * extracted and posted fields are strings, and Pebble compares numbers only); a number as it is.
     */
    static Filter number() {
        return new Filter() {
            @Override
            public List<String> getArgumentNames() {
                return List.of();
            }

            @Override
            public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
                TemplateBudget.current().step();
                if (input instanceof Number) {
                    return input;
                }
                String text = input == null ? "" : input.toString().trim();
                if (text.length() > 100) {
                    throw new PebbleException(null, "the filter 'number' reads at most 100 characters", lineNumber, self.getName());
                }
                try {
                    return new java.math.BigDecimal(text);
                } catch (NumberFormatException e) {
                    throw new PebbleException(null, "the filter 'number' cannot read '" + text + "' as a number", lineNumber, self.getName());
                }
            }
        };
    }

    /** {@code function}, bounded. */
    static Function function(String name, Function function) {
        return "range".equals(name) ? new CountedRange(function) : new CheckedFunction(name, function);
    }

    /** What a filter would make, computed from its input before it runs. */
    private interface Estimate {
        /** @throws TemplateBudget.LimitExceeded when the filter would make too much */
        void check(Object input, Map<String, Object> args, TemplateBudget budget);
    }

    private record CheckedFilter(String name, Filter inner, Estimate estimate) implements Filter {
        @Override
        public List<String> getArgumentNames() {
            return inner.getArgumentNames();
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
            TemplateBudget budget = TemplateBudget.current();
            budget.step();
            if (estimate != null) {
                estimate.check(input, args, budget);
            }
            return budget.checked(inner.apply(input, args, self, context, lineNumber), "the filter '" + name + "'");
        }
    }

    private static final class CheckedEscape extends EscapeFilter {
        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
            TemplateBudget budget = TemplateBudget.current();
            budget.step();
            return budget.checked(super.apply(input, args, self, context, lineNumber), "the filter 'escape'");
        }
    }

    private static void joinedLength(Object input, Map<String, Object> args, TemplateBudget budget) {
        Iterable<?> items = input instanceof Collection<?> c ? c : input != null && input.getClass().isArray() ? arrayItems(input) : null;
        if (items == null) {
            return;
        }
        Object separator = args.get("separator");
        long separatorLength = separator == null ? 0 : separator.toString().length();
        long length = 0;
        boolean first = true;
        for (Object item : items) {
            budget.step();
            length += String.valueOf(item).length() + (first ? 0 : separatorLength);
            first = false;
            budget.chars(length, "the filter 'join'");
        }
    }

    private static void mergedSize(Object input, Map<String, Object> args, TemplateBudget budget) {
        budget.items(size(input) + size(args.get("items")), "the filter 'merge'");
    }

    private static long size(Object value) {
        if (value instanceof Collection<?> c) {
            return c.size();
        }
        if (value instanceof Map<?, ?> m) {
            return m.size();
        }
        return value != null && value.getClass().isArray() ? Array.getLength(value) : 0;
    }

    static List<Object> arrayItems(Object array) {
        List<Object> items = new ArrayList<>();
        for (int i = 0, n = Array.getLength(array); i < n; i++) {
            items.add(Array.get(array, i));
        }
        return items;
    }

    /**
     * Pebble's {@code replace} ({@code {{ text | replace({'a': 'b'}) }}}: each pair in turn, every
     * occurrence), refusing a replacement before it makes a string longer than the limit.
     */
    private static final class BoundedReplace implements Filter {
        private static final String ARGUMENT = "replace_pairs";

        @Override
        public List<String> getArgumentNames() {
            return List.of(ARGUMENT);
        }

        @Override
        public Object apply(Object input, Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
            if (input == null) {
                return null;
            }
            if (!(args.get(ARGUMENT) instanceof Map<?, ?> pairs)) {
                throw new PebbleException(null, "The argument '" + ARGUMENT + "' is required and must be a map.", lineNumber, self.getName());
            }
            TemplateBudget budget = TemplateBudget.current();
            String text = input.toString();
            for (Map.Entry<?, ?> pair : pairs.entrySet()) {
                budget.step();
                String target = String.valueOf(pair.getKey());
                String replacement = String.valueOf(pair.getValue());
                long count = occurrences(text, target);
                budget.chars(text.length() + count * (replacement.length() - target.length()), "the filter 'replace'");
                text = text.replace(target, replacement);
            }
            return text;
        }

        private static long occurrences(String text, String target) {
            if (target.isEmpty()) {
                return text.length() + 1L;
            }
            long count = 0;
            for (int at = text.indexOf(target); at >= 0; at = text.indexOf(target, at + target.length())) {
                count++;
            }
            return count;
        }
    }

    private record CheckedFunction(String name, Function inner) implements Function {
        @Override
        public List<String> getArgumentNames() {
            return inner.getArgumentNames();
        }

        @Override
        public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
            TemplateBudget budget = TemplateBudget.current();
            budget.step();
            return budget.checked(inner.execute(args, self, context, lineNumber), "the function '" + name + "'");
        }
    }

    /** Pebble's {@code range} (and so {@code ..}), refusing before it builds a list longer than the limit. */
    private record CountedRange(Function inner) implements Function {
        @Override
        public List<String> getArgumentNames() {
            return inner.getArgumentNames();
        }

        @Override
        public Object execute(Map<String, Object> args, PebbleTemplate self, EvaluationContext context, int lineNumber) {
            TemplateBudget budget = TemplateBudget.current();
            budget.step();
            Object start = args.get("start");
            Object end = args.get("end");
            Object increment = args.get("increment") == null ? 1L : args.get("increment");
            BigInteger from = bound(start);
            BigInteger to = bound(end);
            if (from != null && to != null && increment instanceof Number step && step.longValue() != 0) {
                BigInteger by = BigInteger.valueOf(step.longValue());
                BigInteger span = to.subtract(from);
                long count = span.signum() != 0 && span.signum() != by.signum() ? 0
                        : span.divide(by).add(BigInteger.ONE).min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
                budget.items(count, "range(" + start + ", " + end + (args.get("increment") == null ? "" : ", " + increment) + ")");
            }
            return inner.execute(args, self, context, lineNumber);
        }

        /** A range end as Pebble reads it: a number's long value, or a one-character string's character. */
        private static BigInteger bound(Object value) {
            if (value instanceof Number number) {
                return BigInteger.valueOf(number.longValue());
            }
            if (value instanceof String text && text.length() == 1) {
                return BigInteger.valueOf(text.charAt(0));
            }
            return null;
        }
    }
}
