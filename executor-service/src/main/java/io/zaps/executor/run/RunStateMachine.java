package io.zaps.executor.run;

import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.RetryPolicy;
import io.zaps.contract.workflow.WorkflowValidator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The run state machine: a pure function from (the run's state, one command, the time) to the next
 * state and the effects to carry out. No I/O, no clock, no randomness: the same input always gives
 * the same decision, which is what lets the Kafka Streams shell replay and the tests drive it directly.
 *
 * <p>Every change bumps the snapshot's revision by one, stamps {@code updated_at} and publishes one
 * {@link RunEvent} with the full snapshot; one command may make several changes (a step succeeds, the
 * next one starts). A command that does not fit the run (duplicate, late, stale) changes nothing and
 * says why.
 *
 * <p>This class only dispatches: each command has its applier ({@link StartRunApplier},
 * {@link CompleteStepApplier}, {@link FireTimerApplier}, {@link RunControlApplier}, and
 * {@link AbandonApplier} for a command that could not be carried out), which share the step and run
 * transitions of {@link StepFlow} made on one {@link Transition}. How an attempt runs depends on the
 * step's {@link StepKind} ({@link DelayStep}, {@link ExternalStep}).
 *
 * <p>Retries and timeouts: every attempt of an external step also schedules an
 * {@code attempt_timeout} timer at its deadline. A retryable failure or a timeout with attempts
 * left (the step's {@link RetryPolicy}, else the workflow's) records the attempt, keeps the step
 * {@code running} with {@code next_attempt_at} set and schedules a {@code retry} timer after the
 * {@link Backoff} (at least the connector's {@code Retry-After} hint, never more than the policy's
 * {@code max_interval}); that timer starts the next attempt (new idempotency key). When an
 * attempt's result arrives its timeout timer is cancelled, and a cancelled run cancels whatever timer
 * it was waiting on; a timer that still fires without matching the step's current attempt is ignored.
 *
 * <p>Run control: {@code cancel_run} ends a pending, running or paused run as {@code cancelled} (a
 * cancel that arrives before the run's {@code start_run} is remembered, and the run is created
 * cancelled). {@code pause_run} holds back every new step and attempt; results of attempts in flight
 * and attempt timeouts are still recorded (so a paused run can still fail or complete), and a delay or
 * retry that falls due meanwhile is ignored when its timer fires and started by {@code resume_run},
 * which finds it from the snapshot. {@code retry_run} runs a failed run again from its failed step,
 * attempt numbers going on. A control command the run's status does not allow is ignored.
 *
 * <p>Error workflows: when a run ends {@code failed} and its pinned workflow names an
 * {@code on_failure} workflow, the same decision asks for a run of it ({@link Effect.RequestTrigger},
 * source {@value #ON_FAILURE_SOURCE}) with the failed run's id, workflow, version, step and error as
 * context. Its event id {@code on_failure:<run id>:<n>} counts the run's failures, so a retried run
 * that fails again starts a new error run while a replay never starts a second one. A run started
 * that way never starts another error workflow.
 */
public final class RunStateMachine {
    /** The trigger source of an error workflow's run; such a run starts no error workflow itself. */
    public static final String ON_FAILURE_SOURCE = "on_failure";

    /** Added to a step's own timeout to give the connector time to report back. */
    public static final Duration DEFAULT_DEADLINE_GRACE = Duration.ofSeconds(5);

    /** Where resume URLs point unless the shell says otherwise: the gateway of a local run. */
    public static final String DEFAULT_PUBLIC_URL = "http://localhost:8080";

    private final RunLimits limits;
    private final StepFlow flow;
    private final StartRunApplier start;
    private final CompleteStepApplier complete;
    private final FireTimerApplier fire;
    private final RunControlApplier control;
    private final ChildRunEndedApplier childEnded;
    private final AbandonApplier abandon;
    private final ResumeStepApplier resumeStep;

    public RunStateMachine(StepTypes stepTypes) {
        this(stepTypes, DEFAULT_DEADLINE_GRACE);
    }

    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace) {
        this(stepTypes, deadlineGrace, Backoff.Jitter.hashed(), RunLimits.DEFAULT);
    }

    /** @param jitter where the jitter fraction of a retry's wait comes from (tests fix it) */
    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter) {
        this(stepTypes, deadlineGrace, jitter, RunLimits.DEFAULT);
    }

    /**
     * @param limits how large a step's config or output and a run's state may be; resume URLs of
     *               {@code wait_for_event} steps use a guessable key ({@link ResumeLinks#withPublicKey}): tests only
     */
    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter, RunLimits limits) {
        this(stepTypes, deadlineGrace, jitter, limits, ResumeLinks.withPublicKey(DEFAULT_PUBLIC_URL));
    }

    /** @param resumeLinks the resume URLs of {@code wait_for_event} steps: the gateway's public URL and the token key */
    public RunStateMachine(StepTypes stepTypes, Duration deadlineGrace, Backoff.Jitter jitter, RunLimits limits, ResumeLinks resumeLinks) {
        Objects.requireNonNull(stepTypes, "stepTypes");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.flow = new StepFlow(stepTypes, Objects.requireNonNull(deadlineGrace, "deadlineGrace"),
                Objects.requireNonNull(jitter, "jitter"), limits, Objects.requireNonNull(resumeLinks, "resumeLinks"));
        this.resumeStep = new ResumeStepApplier(flow);
        this.start = new StartRunApplier(flow, new ValidWorkflows(new WorkflowValidator(stepTypes)::validate), resumeLinks);
        this.complete = new CompleteStepApplier(flow, limits);
        this.fire = new FireTimerApplier(flow);
        this.control = new RunControlApplier(flow);
        this.childEnded = new ChildRunEndedApplier(flow);
        this.abandon = new AbandonApplier(flow);
    }

    public RunLimits limits() {
        return limits;
    }

    /**
     * Decides what {@code command} does to the run.
     *
     * @param state   the run's current state, or {@code null} when the run is unknown
     * @param command a command already checked by {@link RunCommandChecks}
     * @param now     the time of the decision (from the shell's clock)
     */
    public Decision decide(RunState state, RunCommand command, Instant now) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(now, "now");
        if (command instanceof StartRun s) {
            return start.apply(state, s, now);
        }
        if (command instanceof CompleteStep c) {
            return complete.apply(state, c, now);
        }
        if (command instanceof FireTimer f) {
            return fire.apply(state, f, now);
        }
        if (command instanceof CancelRun c) {
            return control.cancel(state, c, now);
        }
        if (command instanceof PauseRun p) {
            return control.pause(state, p, now);
        }
        if (command instanceof ResumeRun r) {
            return control.resume(state, r, now);
        }
        if (command instanceof RetryRun r) {
            return control.retryRun(state, r, now);
        }
        if (command instanceof ChildRunEnded c) {
            return childEnded.apply(state, c, now);
        }
        if (command instanceof ResumeStep r) {
            return resumeStep.apply(state, r, now);
        }
        throw new IllegalArgumentException("unknown command type " + command.getClass().getName());
    }

    /**
     * A run that never starts: it is stored failed with {@code reason} (so a redelivered start_run is a
     * duplicate), without the refused workflow, one {@code run_rejected} event is published, and the
     * command is dead-lettered with the reason.
     *
     * @param keepContext false when the context itself is the problem (too large to record)
     */
    public Decision reject(StartRun command, Instant now, String reason, boolean keepContext) {
        return start.reject(command, now, reason, keepContext);
    }

    /**
     * The run fails with {@code reason} because its command could not be carried out (it threw, or its
     * result would not fit a record): the running step, if any, fails with the reason, the timers it
     * waited on are cancelled and the run's error workflow is asked for. Nothing for an unknown or
     * finished run.
     */
    public Decision abandon(RunState state, String reason, Instant now) {
        return abandon.apply(state, reason, now);
    }

    /**
     * The timers {@code state} waits on, exactly as the decisions that led to it scheduled them and did
     * not cancel them: for each running step its next attempt ({@code retry}), else the current attempt's
     * deadline ({@code attempt_timeout}, external steps), else its end ({@code delay}). None for a
     * finished run.
     *
     * <p>Timers are a function of the run's state, so the shell need not store them: it rebuilds its
     * timer index from the live runs when a task starts (a restart, a partition moving to another
     * instance) and keeps it up to date from each decision's {@link Effect.ScheduleTimer} and
     * {@link Effect.CancelTimer} effects, which always leave it equal to this (tested). The only
     * difference: a timer that fired and was ignored (a delay that fell due while the run was paused)
     * is derived again, so after a restart it fires once more and is ignored again.
     */
    public List<Effect.ScheduleTimer> pendingTimers(RunState state) {
        if (state == null || state.run() == null || state.run().status().isFinal()) {
            return List.of();
        }
        return flow.timersOf(state.run().runId(), state.run().steps().values(), state.workflow());
    }
}
