package io.zaps.trigger.source.mail;

import java.time.Duration;

/**
 * When a mailbox is polled next. Pure.
 *
 * <p>After a good poll: {@code poll_seconds} later (at once when the poll left messages for the next one). After
 * {@code n} failures in a row: {@code poll_seconds × 2^(n-1)}, at most {@code max(maxBackoff, poll_seconds)}.
 */
final class PollBackoff {
    private PollBackoff() {}

    static Duration next(int pollSeconds, int failuresInARow, Duration maxBackoff) {
        Duration poll = Duration.ofSeconds(pollSeconds);
        if (failuresInARow <= 0) {
            return poll;
        }
        Duration cap = maxBackoff.compareTo(poll) > 0 ? maxBackoff : poll;
        int shift = Math.min(failuresInARow - 1, 30);
        long seconds = (long) pollSeconds << shift;
        return seconds >= cap.toSeconds() ? cap : Duration.ofSeconds(seconds);
    }
}
