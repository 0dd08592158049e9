package io.zaps.executor.run;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.StepDefinition;
import tools.jackson.databind.node.ObjectNode;

/**
 * A known step type that no connector runs and this executor has no {@link StepKind} for (a newer
 * contract than this executor): its attempt fails at start, and so does the run.
 */
final class UnrunnableStep implements StepKind {
    private final StepFlow flow;
    private final StepTypes stepTypes;

    UnrunnableStep(StepFlow flow, StepTypes stepTypes) {
        this.flow = flow;
        this.stepTypes = stepTypes;
    }

    @Override
    public void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        String known = stepTypes.find(definition.type()).map(StepSpec::type).orElse(definition.type());
        flow.failAtStart(t, definition, attempt, config, "step type '" + known + "' is not run by a connector and this executor cannot run it");
    }
}
