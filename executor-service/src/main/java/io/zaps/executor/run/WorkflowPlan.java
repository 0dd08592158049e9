package io.zaps.executor.run;

import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The structural check the executor makes before it runs a pinned definition. The gateway and the
 * trigger service validate definitions fully; this guards the executor itself against a StartRun
 * produced by anyone else, so that it can never look up a missing step or loop forever.
 * Step configs are not checked here: step types the executor does not know are routed to their
 * connector, which owns their validation.
 */
final class WorkflowPlan {
    private WorkflowPlan() {}

    /** Why {@code workflow} cannot run, or {@code null} when its steps form a chain from the entry point. */
    static String problem(WorkflowDefinition workflow) {
        List<StepDefinition> steps = workflow.steps();
        if (steps == null || steps.isEmpty()) {
            return "it has no steps";
        }
        Map<String, StepDefinition> byId = new HashMap<>();
        for (StepDefinition step : steps) {
            if (step == null || step.id() == null || step.id().isBlank()) {
                return "a step has no id";
            }
            if (step.type() == null || step.type().isBlank()) {
                return "step '" + step.id() + "' has no type";
            }
            if (byId.putIfAbsent(step.id(), step) != null) {
                return "step id '" + step.id() + "' is used twice";
            }
        }
        String entry = workflow.entryPoint();
        if (entry == null || entry.isBlank()) {
            return "it has no entry_point";
        }
        if (!byId.containsKey(entry)) {
            return "entry_point '" + entry + "' is not one of its steps";
        }
        Set<String> seen = new LinkedHashSet<>();
        String current = entry;
        while (current != null) {
            if (!seen.add(current)) {
                List<String> path = new ArrayList<>(seen);
                path.add(current);
                return "its steps form a cycle: " + String.join(" -> ", path);
            }
            String next = byId.get(current).nextStepId();
            if (next != null && !byId.containsKey(next)) {
                return "step '" + current + "' refers to unknown next step '" + next + "'";
            }
            current = next;
        }
        return null;
    }
}
