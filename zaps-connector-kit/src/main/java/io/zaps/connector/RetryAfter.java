package io.zaps.connector;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Reads an HTTP {@code Retry-After} header (RFC 9110, section 10.2.3): either a number of seconds
 * ({@code 120}) or an HTTP-date ({@code Wed, 21 Oct 2026 07:28:00 GMT}, the IMF-fixdate form every
 * sender must use). A value that is neither is ignored, as the RFC allows; a date in the past means
 * "now". Hints longer than {@link #MAX} are cut to it (the executor caps the wait further, by the
 * step's retry policy).
 */
public final class RetryAfter {
    /** The longest hint taken, a day: a server asking for more is not worth a run waiting on. */
    public static final Duration MAX = Duration.ofDays(1);

    private RetryAfter() {}

    /**
     * @param value the header's value, or {@code null} when absent
     * @param now   the time the response arrived, for an HTTP-date
     * @return the wait asked for, rounded up to whole seconds; empty when absent or unreadable
     */
    public static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String text = value.trim();
        if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            // Digits only; more than fits a long is certainly more than MAX.
            long seconds = text.length() > 18 ? Long.MAX_VALUE : Long.parseLong(text);
            return Optional.of(cap(seconds));
        }
        try {
            Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            Duration until = Duration.between(now, at);
            if (until.isNegative() || until.isZero()) {
                return Optional.of(Duration.ZERO);
            }
            long seconds = until.getSeconds() + (until.getNano() > 0 ? 1 : 0);
            return Optional.of(cap(seconds));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Duration cap(long seconds) {
        return seconds >= MAX.getSeconds() ? MAX : Duration.ofSeconds(seconds);
    }
}
