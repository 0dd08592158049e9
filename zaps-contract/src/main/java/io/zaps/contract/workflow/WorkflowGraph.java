package io.zaps.contract.workflow;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The paths of a workflow: a step goes on at its {@code next_step_id} and its type's successors (a
 * switch's cases); a {@code for_each} or {@code parallel} also owns chains (its body, its branches),
 * which run as child runs. Used by the validator and by the executor to cut a chain into the workflow
 * its child runs.
 */
public final class WorkflowGraph {
    private final WorkflowDefinition workflow;
    private final StepTypes stepTypes;
    private final Map<String, StepDefinition> byId = new LinkedHashMap<>();

    public WorkflowGraph(WorkflowDefinition workflow, StepTypes stepTypes) {
        this.workflow = workflow;
        this.stepTypes = stepTypes;
        if (workflow.steps() != null) {
            for (StepDefinition step : workflow.steps()) {
                if (step != null && step.id() != null) {
                    byId.putIfAbsent(step.id(), step);
                }
            }
        }
    }

    /** Where a run may go on after {@code step}: its next_step_id and its successors, in that order. */
    public List<String> edges(StepDefinition step) {
        List<String> edges = new ArrayList<>();
        if (step.nextStepId() != null) {
            edges.add(step.nextStepId());
        }
        spec(step).ifPresent(spec -> spec.successors(step.config()).forEach(s -> edges.add(s.stepId())));
        return edges;
    }

    /** The first steps of the chains {@code step} runs as children. */
    public List<StepSpec.Successor> chains(StepDefinition step) {
        return spec(step).map(spec -> spec.chains(step.config())).orElse(List.of());
    }

    /** Every known step reachable from {@code start} along edges (not into chains), {@code start} included. */
    public Set<String> reach(String start) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(start);
        while (!todo.isEmpty()) {
            String id = todo.poll();
            StepDefinition step = byId.get(id);
            if (step != null && seen.add(id)) {
                todo.addAll(edges(step));
            }
        }
        return seen;
    }

    /** The steps that belong to some chain (a body, a branch, nested ones too): they run only in child runs. */
    public Set<String> owned() {
        Set<String> owned = new LinkedHashSet<>();
        for (StepDefinition step : byId.values()) {
            for (StepSpec.Successor chain : chains(step)) {
                owned.addAll(reach(chain.stepId()));
            }
        }
        return owned;
    }

    /**
     * The workflow a child run of the chain starting at {@code start} runs: the same id, version and
     * retry policy, the chain's steps and those of the chains nested in it, in definition order,
     * entering at {@code start}; no trigger and no error workflow (the parent's step reports failures).
     */
    public WorkflowDefinition chain(String start) {
        Set<String> included = new LinkedHashSet<>();
        Deque<String> starts = new ArrayDeque<>(List.of(start));
        while (!starts.isEmpty()) {
            for (String id : reach(starts.poll())) {
                if (included.add(id)) {
                    chains(byId.get(id)).forEach(nested -> starts.add(nested.stepId()));
                }
            }
        }
        List<StepDefinition> steps = byId.values().stream().filter(s -> included.contains(s.id())).toList();
        return new WorkflowDefinition(workflow.id(), workflow.name(), workflow.description(), start, workflow.status(),
                steps, workflow.version(), workflow.createdAt(), workflow.updatedAt(), workflow.retry(), null, null);
    }

    private java.util.Optional<StepSpec> spec(StepDefinition step) {
        return step == null || step.type() == null ? java.util.Optional.empty() : stepTypes.find(step.type());
    }
}
