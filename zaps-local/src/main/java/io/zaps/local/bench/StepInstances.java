package io.zaps.local.bench;

import io.zaps.contract.Ids;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import tools.jackson.databind.JsonNode;

import java.util.function.Function;

/**
 * How many step instances a run made, its child runs' included: what "step instances/s" counts.
 *
 * <p>A step instance is a step of a run, or of one of its child runs, that ran: its status is {@code completed}
 * or {@code failed} (not {@code pending} or {@code skipped}); retried attempts of one step count once. A
 * {@code for_each} or {@code parallel} step that ran has child runs {@code 0 .. n-1} of its last attempt (n its
 * output's {@code started}, else {@code count}, else the number of {@code branches}); each child's steps are
 * counted the same way, children of children too. A child whose snapshot cannot be found is counted as missing.
 *
 * @param steps        step instances that ran, over the run and all its descendants
 * @param childRuns    child runs found (at every depth)
 * @param missingRuns  child runs the run's steps started but whose snapshot was not found
 */
record StepInstances(long steps, long childRuns, long missingRuns) {

    static final StepInstances NONE = new StepInstances(0, 0, 0);

    StepInstances plus(StepInstances other) {
        return new StepInstances(steps + other.steps, childRuns + other.childRuns, missingRuns + other.missingRuns);
    }

    /**
     * Counts {@code run}'s step instances and those of its descendants.
     *
     * @param findRun a run's snapshot by id, or null when there is none
     */
    static StepInstances count(RunSnapshot run, Function<String, RunSnapshot> findRun) {
        StepInstances total = NONE;
        for (StepState step : run.steps().values()) {
            if (step.status() != StepStatus.COMPLETED && step.status() != StepStatus.FAILED) {
                continue;
            }
            total = total.plus(new StepInstances(1, 0, 0));
            for (int index = 0; index < children(step); index++) {
                RunSnapshot child = findRun.apply(Ids.childRunId(run.runId(), step.stepId(), step.attempt(), index));
                total = total.plus(child == null ? new StepInstances(0, 0, 1) : count(child, findRun).plus(new StepInstances(0, 1, 0)));
            }
        }
        return total;
    }

    /** How many child runs the step's last attempt started. */
    private static int children(StepState step) {
        JsonNode output = step.output();
        if (output == null || !("for_each".equals(step.type()) || "parallel".equals(step.type()))) {
            return 0;
        }
        if (output.path("started").isNumber()) {
            return output.path("started").asInt();
        }
        if (output.path("count").isNumber()) {
            return output.path("count").asInt();
        }
        return output.path("branches").isObject() ? output.path("branches").size() : 0;
    }
}
