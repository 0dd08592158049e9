package io.zaps.executor.run;

import io.zaps.contract.event.RunEvent;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link RunStateMachine#decide}: either the run's new state and the effects to carry
 * out in order, or an explicit "ignored, because ..." with the state left as it was.
 *
 * @param state   the state to store (the unchanged input when ignored; {@code null} for an unknown run)
 * @param effects what to do, in order; empty when ignored
 * @param ignored why the command changed nothing, or {@code null} when it was applied
 */
public record Decision(RunState state, List<Effect> effects, Ignored ignored) {

    /** Why a command changed nothing. Late, duplicate and stale commands are normal in an at-least-once world. */
    public enum IgnoreReason {
        /** A StartRun for a run that already exists (e.g. a redelivered trigger). */
        DUPLICATE_START,
        /** A command for a run this executor has never started. */
        UNKNOWN_RUN,
        /** The run already completed, failed or was cancelled. */
        RUN_FINAL,
        /** The step is not part of the run's workflow. */
        UNKNOWN_STEP,
        /** The step is not running (not started yet, or already finished). */
        STEP_NOT_RUNNING,
        /** The command is about an attempt that is not the step's current one. */
        STALE_ATTEMPT,
        /** The command does not fit the step (e.g. a connector result for a delay step). */
        NOT_APPLICABLE,
        /** A timer fired before its due time. */
        NOT_DUE,
        /** The run's status does not allow the command (pause a paused run, resume a running one, retry one that did not fail). */
        WRONG_STATUS,
        /** The run is paused: a delay or retry that fell due is held and acted on at resume. */
        PAUSED
    }

    /** @param detail a sentence for the log */
    public record Ignored(IgnoreReason reason, String detail) {
        public Ignored {
            Objects.requireNonNull(reason, "reason");
        }
    }

    public Decision {
        effects = effects == null ? List.of() : List.copyOf(effects);
    }

    static Decision applied(RunState state, List<Effect> effects) {
        return new Decision(Objects.requireNonNull(state, "state"), effects, null);
    }

    static Decision ignored(RunState unchanged, IgnoreReason reason, String detail) {
        return new Decision(unchanged, List.of(), new Ignored(reason, detail));
    }

    public boolean wasIgnored() {
        return ignored != null;
    }

    /** The events among the effects, in order. */
    public List<RunEvent> events() {
        return effects.stream()
                .filter(Effect.PublishEvent.class::isInstance)
                .map(e -> ((Effect.PublishEvent) e).event())
                .toList();
    }
}
