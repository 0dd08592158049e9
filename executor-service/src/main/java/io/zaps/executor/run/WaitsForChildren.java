package io.zaps.executor.run;

import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.run.StepState;

import java.time.Instant;
import java.util.List;

/** A step kind whose running step waits for child runs ({@code for_each}, {@code parallel}, {@code call_workflow}). */
interface WaitsForChildren {
    /** A child of running {@code step} (its current attempt) ended: what that decides. */
    Decision onChildEnded(RunState state, StepState step, ChildRunEnded ended, Instant now);

    /** The run ids of the children running {@code step} still waits for: cancelled, paused and resumed with the parent. */
    List<String> activeChildren(Transition t, StepState step);
}
