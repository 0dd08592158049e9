package io.zaps.gateway.hook;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import tools.jackson.databind.node.ObjectNode;

import java.util.Optional;

/** The body of a webhook's {@code on_completion} answer. Pure. */
final class HookAnswers {
    private HookAnswers() {}

    /**
     * {@code {"run_id", "status", "step_id", "output", "error"}} of a final run: {@code output} is the output of the step that
     * ended last ({@code null} when none ran), {@code error} the run's error ({@code null} unless it failed).
     */
    static ObjectNode completion(RunSnapshot run) {
        ObjectNode body = Json.object();
        body.put("run_id", run.runId());
        body.put("status", run.status().wireName());
        Optional<StepState> last = lastStep(run);
        body.put("step_id", last.map(StepState::stepId).orElse(null));
        body.set("output", last.map(StepState::output).orElse(null));
        body.put("error", run.error());
        return body;
    }

    /**
     * The step that ended last: the latest {@code end_time}; of equal times the later one in the definition (steps
     * are kept in definition order). Only completed and failed steps are candidates.
     */
    static Optional<StepState> lastStep(RunSnapshot run) {
        StepState last = null;
        for (StepState step : run.steps().values()) {
            boolean ended = step.status() == StepStatus.COMPLETED || step.status() == StepStatus.FAILED;
            if (ended && step.endTime() != null && (last == null || !step.endTime().isBefore(last.endTime()))) {
                last = step;
            }
        }
        return Optional.ofNullable(last);
    }
}
