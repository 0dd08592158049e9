package io.zaps.contract.template;

import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.extension.escaper.SafeString;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * What one render may still spend, per {@link TemplateLimits}: kept per thread while the render runs
 * (Pebble evaluates on the calling thread, and the sandbox's tags, operators and filters find it here).
 * Reading the clock here is deliberate: a bound on time cannot be had otherwise, and a render that
 * hits it fails its step the same way whenever it is decided.
 */
final class TemplateBudget {
    private static final ThreadLocal<TemplateBudget> CURRENT = new ThreadLocal<>();
    private static final Scope NOTHING = () -> { };

    private final TemplateLimits limits;
    private final long deadline;
    private long iterations;
    private long output;
    /** The value an expression evaluated to ({@link Expressions}), {@link #NOTHING_CAPTURED} before. */
    private Object captured = NOTHING_CAPTURED;
    static final Object NOTHING_CAPTURED = new Object();

    private TemplateBudget(TemplateLimits limits) {
        this.limits = limits;
        this.deadline = System.nanoTime() + limits.maxTime().toNanos();
    }

    /** A budget for the render about to run on this thread, unless one is already open (a nested call spends from it). */
    static Scope open(TemplateLimits limits) {
        if (CURRENT.get() != null) {
            return NOTHING;
        }
        CURRENT.set(new TemplateBudget(limits));
        return CURRENT::remove;
    }

    /** The budget of the render on this thread; outside a render a fresh default one for this call (never unbounded). */
    static TemplateBudget current() {
        TemplateBudget budget = CURRENT.get();
        return budget != null ? budget : new TemplateBudget(TemplateLimits.DEFAULT);
    }

    void capture(Object value) {
        captured = value;
    }

    /** The last captured value, then forgotten. */
    Object takeCaptured() {
        Object value = captured;
        captured = NOTHING_CAPTURED;
        return value;
    }

    TemplateLimits limits() {
        return limits;
    }

    /** One step of work (an operator, a filter, a function): only the time is checked. */
    void step() {
        if (System.nanoTime() > deadline) {
            throw new LimitExceeded("evaluation took longer than " + limits.maxTime().toMillis() + " ms");
        }
    }

    /** One loop iteration. */
    void iteration() {
        if (++iterations > limits.maxIterations()) {
            throw new LimitExceeded("loops ran more than " + limits.maxIterations() + " iterations");
        }
        step();
    }

    /** {@code count} items about to be made at once (a range). */
    void items(long count, String what) {
        if (count > limits.maxItems()) {
            throw new LimitExceeded(what + " would make " + count + " items, more than the limit of " + limits.maxItems());
        }
    }

    /** {@code length} characters about to be made at once. */
    void chars(long length, String what) {
        if (length > limits.maxChars()) {
            throw new LimitExceeded(what + " would make " + length + " characters, more than the limit of " + limits.maxChars());
        }
    }

    /** {@code length} more characters of output from this render. */
    void output(long length) {
        output += length;
        if (output > limits.maxChars()) {
            throw new LimitExceeded("the rendered output exceeds " + limits.maxChars() + " characters");
        }
    }

    /** {@code value}, once it is known to be within the bounds of what a template may compute. */
    Object checked(Object value, String what) {
        step();
        if (value instanceof CharSequence text) {
            chars(text.length(), what);
        } else if (value instanceof SafeString safe) {
            chars(safe.toString().length(), what);
        } else if (value instanceof Collection<?> collection) {
            items(collection.size(), what);
        } else if (value instanceof Map<?, ?> map) {
            items(map.size(), what);
        } else if (value != null && value.getClass().isArray()) {
            items(Array.getLength(value), what);
        } else if (value instanceof BigDecimal decimal) {
            digits(decimal.precision() + (long) Math.abs((long) decimal.scale()), what);
        } else if (value instanceof BigInteger integer) {
            digits((long) (integer.bitLength() * 0.30103) + 1, what);
        }
        return value;
    }

    private void digits(long digits, String what) {
        if (digits > limits.maxDigits()) {
            throw new LimitExceeded(what + " made a number of about " + digits + " digits, more than the limit of " + limits.maxDigits());
        }
    }

    /** Closes a render's budget. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** A bound was exceeded: the render fails with this message (a Pebble exception, so Pebble passes it through). */
    static final class LimitExceeded extends PebbleException {
        LimitExceeded(String message) {
            super(null, message);
        }
    }
}
