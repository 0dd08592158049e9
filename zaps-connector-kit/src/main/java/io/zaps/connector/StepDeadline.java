package io.zaps.connector;

import io.zaps.contract.command.ExecuteStep;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * How long a handler may spend on one request: its configured timeout, cut to what is left until
 * the request's {@link ExecuteStep#deadline() deadline}, after which the executor no longer waits
 * for the answer (it times the attempt out and may start the next one under another idempotency
 * key). A request already past its deadline is not handed to the handler at all
 * ({@link StepRequestProcessor}).
 */
public final class StepDeadline {
    private StepDeadline() {}

    /**
     * @param configured the step's own timeout (its config's {@code timeout_seconds}, or the default)
     * @return {@code min(configured, deadline - now)}; zero or negative when the deadline has passed
     */
    public static Duration budget(ExecuteStep request, Duration configured, Clock clock) {
        Instant deadline = request.deadline();
        if (deadline == null) {
            return configured;
        }
        Duration left = Duration.between(clock.instant(), deadline);
        return left.compareTo(configured) < 0 ? left : configured;
    }

    /** Whether the executor has given up on {@code request} by {@code now}. */
    public static boolean expired(ExecuteStep request, Instant now) {
        return request.deadline() != null && !now.isBefore(request.deadline());
    }
}
