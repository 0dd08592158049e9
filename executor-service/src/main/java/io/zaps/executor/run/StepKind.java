package io.zaps.executor.run;

import io.zaps.contract.command.FireTimer;
import io.zaps.contract.run.StepState;
import io.zaps.contract.workflow.StepDefinition;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * How the executor runs one kind of step: what starting an attempt does, which timer a running
 * attempt waits on and what that timer does when it fires, whether a connector reports the result,
 * and what a pause held back. {@link StepFlow#kindOf} chooses the kind by step type; a new step that
 * the executor runs itself (filter, switch, transform, for_each, ...) is a new implementation
 * registered there, and the command appliers stay as they are.
 *
 * <p>Retries are not a kind's business: the {@code retry} timer and the attempt it starts are the
 * same for every kind ({@link StepFlow#attemptFailed}, {@link FireTimerApplier}).
 */
interface StepKind {
    /**
     * Starts attempt {@code attempt} of {@code definition} (the run's current step already points at
     * it): records the step running and schedules or dispatches what it waits on, or fails it at once
     * ({@link StepFlow#failAtStart}).
     *
     * @param config the step's config as defined (not rendered), never {@code null}
     */
    void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config);

    /**
     * {@code retry_run} starts attempt {@code attempt} of {@code failed}, the step the run failed at (the run's
     * current step already points at it). By default a fresh attempt, as {@link #startAttempt}; a kind that can
     * keep part of the failed attempt's work does so here (the loop iterations that completed).
     */
    default void retryAttempt(Transition t, StepDefinition definition, StepState failed, int attempt, ObjectNode config) {
        startAttempt(t, definition, attempt, config);
    }

    /** Whether a connector reports this step's attempts ({@code complete_step}); if not, such a result is ignored. */
    default boolean takesResults() {
        return false;
    }

    /**
     * The timer the current attempt of running {@code step} waits on (its end, its deadline), exactly
     * as {@link #startAttempt} scheduled it; {@code null} when it waits on none. Not asked for a step
     * that waits for its next attempt.
     */
    default Effect.ScheduleTimer attemptTimer(String runId, StepDefinition definition, StepState step) {
        return null;
    }

    /**
     * A timer of {@code kind} fired for the current attempt of running {@code step} (already checked
     * to match it): what that decides, or {@code null} when this kind never schedules such a timer.
     */
    default Decision onTimer(RunState state, StepState step, FireTimer.Kind kind, Instant now) {
        return null;
    }

    /**
     * {@code resume_run} found {@code step} running and not waiting for a retry: start or end now what
     * fell due while the run was paused. What is not due yet still has its timer.
     */
    default void releaseHeld(Transition t, StepState step) {
        // nothing is held by default: the step ends in the decision that enters it, or runs on its own
    }

    /**
     * Where the run goes on after {@code step} of this kind completed: by default its
     * {@code next_step_id}; a control step may choose (a switch's case) or end the path ({@code null}).
     */
    default String next(StepDefinition definition, StepState step) {
        return definition.nextStepId();
    }
}
