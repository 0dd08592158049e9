package io.zaps.contract.template;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.Extension;
import io.pebbletemplates.pebble.extension.ExtensionCustomizer;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.extension.NodeVisitor;
import io.pebbletemplates.pebble.extension.core.DefaultFilter;
import io.pebbletemplates.pebble.extension.escaper.EscapeFilter;
import io.pebbletemplates.pebble.lexer.Token;
import io.pebbletemplates.pebble.node.ForNode;
import io.pebbletemplates.pebble.node.RenderableNode;
import io.pebbletemplates.pebble.node.expression.BinaryExpression;
import io.pebbletemplates.pebble.node.expression.Expression;
import io.pebbletemplates.pebble.operator.BinaryOperator;
import io.pebbletemplates.pebble.operator.BinaryOperatorImpl;
import io.pebbletemplates.pebble.operator.BinaryOperatorType;
import io.pebbletemplates.pebble.parser.Parser;
import io.pebbletemplates.pebble.template.EvaluationContext;
import io.pebbletemplates.pebble.template.EvaluationContextImpl;
import io.pebbletemplates.pebble.template.PebbleTemplate;
import io.pebbletemplates.pebble.template.PebbleTemplateImpl;
import io.pebbletemplates.pebble.tokenParser.ForTokenParser;
import io.pebbletemplates.pebble.tokenParser.TokenParser;

import java.lang.reflect.Array;
import java.math.BigInteger;
import java.util.AbstractCollection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pebble cut down to what a step config needs, every part of it bounded by the render's
 * {@link TemplateBudget}. Applied to each of Pebble's built-in extensions:
 * <ul>
 *   <li>tags: only {@link #ALLOWED_TAGS}; no template loading ({@code include}, {@code import},
 *       {@code extends}, {@code embed}, {@code from}), no {@code macro} (recursion), {@code block},
 *       {@code parallel}, {@code cache} or {@code flush}. {@code for} counts every iteration;</li>
 *   <li>arithmetic and concatenation ({@code + - * / % ~}), every filter and every function check the
 *       clock and the size of what they made; {@code range} (and {@code ..}), {@code join},
 *       {@code merge} and {@code replace} refuse before they would make too much;</li>
 *   <li>no {@code i18n} function (it reads resource bundles from the class path).</li>
 * </ul>
 * Method calls stay refused by the engine's method access validator.
 */
final class Sandbox extends ExtensionCustomizer {
    /** The tags a Zaps template may use ({@code verbatim} too, which Pebble's lexer handles itself). */
    static final Set<String> ALLOWED_TAGS = Set.of("for", "if", "set", "filter", "autoescape");
    /** Pebble's other tags, refused when a template is saved and when it runs. */
    static final Set<String> REFUSED_TAGS = new TreeSet<>(Set.of(
            "include", "import", "extends", "embed", "macro", "block", "parallel", "cache", "from", "flush"));
    private static final Set<String> ARITHMETIC = Set.of("+", "-", "*", "/", "%", "~");

    Sandbox(Extension delegate) {
        super(delegate);
    }

    @Override
    public List<TokenParser> getTokenParsers() {
        List<TokenParser> kept = new ArrayList<>();
        for (TokenParser parser : nonNull(super.getTokenParsers())) {
            if ("for".equals(parser.getTag())) {
                kept.add(new CountedForTokenParser());
            } else if (ALLOWED_TAGS.contains(parser.getTag())) {
                kept.add(parser);
            }
        }
        return kept;
    }

    @Override
    public List<BinaryOperator> getBinaryOperators() {
        List<BinaryOperator> operators = new ArrayList<>();
        for (BinaryOperator operator : nonNull(super.getBinaryOperators())) {
            if (operator.getType() == BinaryOperatorType.NORMAL && ARITHMETIC.contains(operator.getSymbol())) {
                operators.add(new BinaryOperatorImpl(operator.getSymbol(), operator.getPrecedence(),
                        () -> new CheckedExpression(operator.createInstance(), operator.getSymbol()),
                        operator.getType(), operator.getAssociativity()));
            } else {
                operators.add(operator);
            }
        }
        return operators;
    }

    @Override
    public Map<String, Filter> getFilters() {
        Map<String, Filter> filters = new HashMap<>();
        nonNull(super.getFilters()).forEach((name, filter) -> filters.put(name, bounded(name, filter)));
        return filters;
    }

    @Override
    public Map<String, Function> getFunctions() {
        Map<String, Function> functions = new HashMap<>();
        nonNull(super.getFunctions()).forEach((name, function) -> {
            if (!"i18n".equals(name)) {
                functions.put(name, "range".equals(name) ? new CountedRange(function) : new CheckedFunction(name, function));
            }
        });
        return functions;
    }

    private static Filter bounded(String name, Filter filter) {
        if (filter instanceof DefaultFilter) {
            return filter; // Pebble treats it specially (it may see an undefined variable); it only picks one of its inputs
        }
        if (filter instanceof EscapeFilter) {
            return new CheckedEscape(); // Pebble checks for the type: an escaped value is not escaped twice
        }
        return switch (name) {
            case "replace" -> new BoundedReplace();
            case "join" -> new CheckedFilter(name, filter, Sandbox::joinedLength);
            case "merge" -> new CheckedFilter(name, filter, Sandbox::mergedSize);
            default -> new CheckedFilter(name, filter, null);
        };
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private static <K, V> Map<K, V> nonNull(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    // ---- tags ----------------------------------------------------------------------------------------

    /** {@code for}, with an iterable that spends one iteration of the budget per item. */
    private static final class CountedForTokenParser extends ForTokenParser {
        @Override
        public RenderableNode parse(Token token, Parser parser) {
            ForNode parsed = (ForNode) super.parse(token, parser);
            return new ForNode(parsed.getLineNumber(), parsed.getIterationVariable(), new CountedIterable(parsed.getIterable()),
                    parsed.getBody(), parsed.getElseBody());
        }
    }

    /** The loop's iterable, made to count its items as the loop takes them. */
    private record CountedIterable(Expression<?> inner) implements Expression<Object> {
        @Override
        public Object evaluate(PebbleTemplateImpl self, EvaluationContextImpl context) {
            Object value = inner.evaluate(self, context);
            if (value == null) {
                return null;
            }
            if (value instanceof Map<?, ?> map) {
                return new Counted<>(map.entrySet());
            }
            if (value instanceof Collection<?> collection) {
                return new Counted<>(collection);
            }
            if (value.getClass().isArray()) {
                List<Object> items = new ArrayList<>();
                for (int i = 0, n = Array.getLength(value); i < n; i++) {
                    items.add(Array.get(value, i));
                }
                return new Counted<>(items);
            }
            if (value instanceof Iterable<?> iterable) {
                return countingIterable(iterable);
            }
            return value; // not iterable: the for tag says so
        }

        @Override
        public int getLineNumber() {
            return inner.getLineNumber();
        }

        @Override
        public void accept(NodeVisitor visitor) {
            inner.accept(visitor);
        }
    }

    /** A collection whose iterator spends an iteration per item; its size is the source's, without iterating. */
    private static final class Counted<T> extends AbstractCollection<T> {
        private final Collection<T> source;

        Counted(Collection<T> source) {
            this.source = source;
        }

        @Override
        public Iterator<T> iterator() {
            return counting(source.iterator());
        }

        @Override
        public int size() {
            return source.size();
        }
    }

    private static <T> Iterable<T> countingIterable(Iterable<T> source) {
        return () -> counting(source.iterator());
    }

    private static <T> Iterator<T> counting(Iterator<T> source) {
        TemplateBudget budget = TemplateBudget.current();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return source.hasNext();
            }

            @Override
            public T next() {
                budget.iteration();
                return source.next();
            }
        };
    }

    // ---- operators -----------------------------------------------------------------------------------

    /** One of Pebble's arithmetic or concatenation expressions, its result checked: operands are always within bounds. */
    private static final class CheckedExpression extends BinaryExpression<Object> {
        private final BinaryExpression<?> inner;
        private final String symbol;

        CheckedExpression(BinaryExpression<?> inner, String symbol) {
            this.inner = inner;
            this.symbol = symbol;
        }

        @Override
        public void setLeft(Expression<?> left) {
            super.setLeft(left);
            inner.setLeft(left);
        }

        @Override
        public void setRight(Expression<?> right) {
            super.setRight(right);
            inner.setRight(right);
        }

        @Override
        public void setLineNumber(int lineNumber) {
            super.setLineNumber(lineNumber);
            inner.setLineNumber(lineNumber);
        }

        @Override
        public Object evaluate(PebbleTemplateImpl self, EvaluationContextImpl context) {
            TemplateBudget budget = TemplateBudget.current();
            budget.step();
            return budget.checked(inner.evaluate(self, context), "the operator '" + symbol + "'");
        }
    }

    // ---- filters and functions -----------------------------------------------------------------------

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

    private static List<Object> arrayItems(Object array) {
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
