package io.zaps.executor.metrics;

import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one decision did to a run's step attempts, read off the run before and after it: the attempts that
 * started and those that ended. A pure function of two snapshots, so the run state machine needs to know
 * nothing of metrics.
 *
 * @param started the attempts that exist after but not before (an instant step's attempt may also be in {@code ended})
 * @param ended   the attempts that had not ended before (or did not exist) and have ended after
 */
public record AttemptChanges(List<Started> started, List<Ended> ended) {
    static final AttemptChanges NONE = new AttemptChanges(List.of(), List.of());

    /** Attempt {@code attempt} of a step of {@code type} started (1 is the first; a higher one is a retry). */
    public record Started(String type, int attempt) {
        public boolean isRetry() {
            return attempt > 1;
        }
    }

    /** An attempt of a step of {@code type} ended with {@code outcome} after {@code took} (never negative). */
    public record Ended(String type, StepAttempt.Outcome outcome, Duration took) {
    }

    /** The changes from {@code before} (null: a run not known before) to {@code after} (null: none). */
    public static AttemptChanges between(RunSnapshot before, RunSnapshot after) {
        if (after == null || after.steps().isEmpty()) {
            return NONE;
        }
        Map<String, StepState> old = before == null ? Map.of() : before.steps();
        List<Started> started = new ArrayList<>();
        List<Ended> ended = new ArrayList<>();
        for (StepState step : after.steps().values()) {
            StepState previous = old.get(step.stepId());
            if (previous == step) {
                continue; // untouched by this decision (the builder keeps unchanged steps as they were)
            }
            for (StepAttempt attempt : step.attempts()) {
                Optional<StepAttempt> was = previous == null ? Optional.empty() : previous.attemptRecord(attempt.attempt());
                if (was.isEmpty()) {
                    started.add(new Started(step.type(), attempt.attempt()));
                }
                boolean endedBefore = was.isPresent() && was.get().outcome() != null;
                if (attempt.outcome() != null && !endedBefore) {
                    ended.add(new Ended(step.type(), attempt.outcome(), took(attempt)));
                }
            }
        }
        return started.isEmpty() && ended.isEmpty() ? NONE : new AttemptChanges(List.copyOf(started), List.copyOf(ended));
    }

    private static Duration took(StepAttempt attempt) {
        if (attempt.startTime() == null || attempt.endTime() == null || attempt.endTime().isBefore(attempt.startTime())) {
            return Duration.ZERO;
        }
        return Duration.between(attempt.startTime(), attempt.endTime());
    }
}
