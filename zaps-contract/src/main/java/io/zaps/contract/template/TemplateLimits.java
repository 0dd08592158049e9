package io.zaps.contract.template;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds one render of a step's templates runs within. A template is valid when it is saved, but
 * what it does depends on the run's data, so these are enforced while it runs: whatever exceeds one
 * fails the render with a {@link TemplateException} naming the bound, and the step fails permanently.
 *
 * @param maxIterations loop iterations ({@code {% for %}} bodies) in one render, nested loops counted together
 * @param maxChars      characters of any string a template computes, and of everything one render outputs
 * @param maxItems      items of any list or map a template computes ({@code range}, {@code merge}, {@code split}, ...)
 * @param maxDigits     digits of any number a template computes (data may hold arbitrary-precision numbers)
 * @param maxTime       wall-clock time of one render; checked at every loop iteration, operator, filter and function
 */
public record TemplateLimits(int maxIterations, int maxChars, int maxItems, int maxDigits, Duration maxTime) {
    /** What the executor renders step configs with. */
    public static final TemplateLimits DEFAULT = new TemplateLimits(100_000, 1_000_000, 100_000, 1_000, Duration.ofSeconds(1));

    public TemplateLimits {
        Objects.requireNonNull(maxTime, "maxTime");
        if (maxIterations < 1 || maxChars < 1 || maxItems < 1 || maxDigits < 1 || maxTime.isNegative() || maxTime.isZero()) {
            throw new IllegalArgumentException("template limits must be positive: " + maxIterations + ", " + maxChars
                    + ", " + maxItems + ", " + maxDigits + ", " + maxTime);
        }
    }
}
