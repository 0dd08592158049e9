package io.zaps.connector;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    @Test
    void readsSeconds() {
        assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
    }

    @Test
    void readsAnHttpDateRelativeToNowRoundedUp() {
        assertThat(RetryAfter.parse("Wed, 21 Oct 2026 07:28:30 GMT", NOW)).contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2026 07:28:30 GMT", NOW.plusMillis(200))).contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2026 07:27:00 GMT", NOW)).as("in the past: now").contains(Duration.ZERO);
    }

    @Test
    void capsLongHintsAtADay() {
        assertThat(RetryAfter.parse("999999", NOW)).contains(RetryAfter.MAX);
        assertThat(RetryAfter.parse("99999999999999999999999", NOW)).contains(RetryAfter.MAX);
        assertThat(RetryAfter.parse("Thu, 01 Jan 2099 00:00:00 GMT", NOW)).contains(RetryAfter.MAX);
    }

    @Test
    void ignoresWhatItCannotRead() {
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
        assertThat(RetryAfter.parse("", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("1.5", NOW)).isEmpty();
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("2026-10-21T07:28:30Z", NOW)).isEmpty();
    }
}
