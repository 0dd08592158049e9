package io.zaps.contract.template;

import io.pebbletemplates.pebble.extension.Extension;
import io.pebbletemplates.pebble.extension.ExtensionCustomizer;
import io.pebbletemplates.pebble.extension.Filter;
import io.pebbletemplates.pebble.extension.Function;
import io.pebbletemplates.pebble.extension.NodeVisitor;
import io.pebbletemplates.pebble.extension.core.CoreExtension;
import io.pebbletemplates.pebble.lexer.Token;
import io.pebbletemplates.pebble.node.ForNode;
import io.pebbletemplates.pebble.node.RenderableNode;
import io.pebbletemplates.pebble.node.expression.BinaryExpression;
import io.pebbletemplates.pebble.node.expression.Expression;
import io.pebbletemplates.pebble.operator.BinaryOperator;
import io.pebbletemplates.pebble.operator.BinaryOperatorImpl;
import io.pebbletemplates.pebble.operator.BinaryOperatorType;
import io.pebbletemplates.pebble.parser.Parser;
import io.pebbletemplates.pebble.template.EvaluationContextImpl;
import io.pebbletemplates.pebble.template.PebbleTemplateImpl;
import io.pebbletemplates.pebble.tokenParser.ForTokenParser;
import io.pebbletemplates.pebble.tokenParser.TokenParser;

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

    /** The filter {@link Expressions} evaluates an expression through: it keeps its input as the render's value. */
    static final String VALUE_FILTER = "zaps_value";

    private final boolean core;

    Sandbox(Extension delegate) {
        super(delegate);
        this.core = delegate instanceof CoreExtension;
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
        nonNull(super.getFilters()).forEach((name, filter) -> filters.put(name, SandboxCalls.filter(name, filter)));
        if (core) {
            filters.put(VALUE_FILTER, SandboxCalls.valueCapture());
            filters.put("number", SandboxCalls.number());
        }
        return filters;
    }

    @Override
    public Map<String, Function> getFunctions() {
        Map<String, Function> functions = new HashMap<>();
        nonNull(super.getFunctions()).forEach((name, function) -> {
            if (!"i18n".equals(name)) {
                functions.put(name, SandboxCalls.function(name, function));
            }
        });
        return functions;
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
                return new Counted<>(SandboxCalls.arrayItems(value));
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
}
