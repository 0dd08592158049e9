package io.zaps.contract.workflow;

import io.zaps.contract.step.StepSpec;

import io.zaps.contract.Ids;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.trigger.Triggers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a workflow definition completely before anything is stored: ids, references, cycles and
 * every step's configuration. Pure: no I/O.
 */
public final class WorkflowValidator {
    private static final int MAX_STEPS = 200;
    private static final int MAX_NAME = 200;
    private static final int MAX_DESCRIPTION = 4000;

    private final StepTypes stepTypes;

    public WorkflowValidator(StepTypes stepTypes) {
        this.stepTypes = stepTypes;
    }

    /** All violations of {@code definition}; empty when it is valid. */
    public List<Violation> validate(WorkflowDefinition definition) {
        List<Violation> violations = new ArrayList<>();
        if (definition == null) {
            violations.add(new Violation("", "a workflow definition (JSON object) is required"));
            return violations;
        }
        if (definition.id() == null || definition.id().isBlank()) {
            violations.add(new Violation("id", "is required"));
        } else if (!Ids.isSafe(definition.id())) {
            violations.add(new Violation("id", "must match " + Ids.SAFE_ID.pattern()));
        }
        if (definition.name() == null || definition.name().isBlank()) {
            violations.add(new Violation("name", "is required"));
        } else if (definition.name().length() > MAX_NAME) {
            violations.add(new Violation("name", "must be at most " + MAX_NAME + " characters"));
        }
        if (definition.description() != null && definition.description().length() > MAX_DESCRIPTION) {
            violations.add(new Violation("description", "must be at most " + MAX_DESCRIPTION + " characters"));
        }
        List<StepDefinition> steps = definition.steps();
        if (steps == null || steps.isEmpty()) {
            violations.add(new Violation("steps", "at least one step is required"));
            return violations;
        }
        if (steps.size() > MAX_STEPS) {
            violations.add(new Violation("steps", "at most " + MAX_STEPS + " steps are allowed"));
            return violations;
        }
        Map<String, StepDefinition> byId = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition step = steps.get(i);
            String at = "steps[" + i + "]";
            if (step == null) {
                violations.add(new Violation(at, "must be an object"));
                continue;
            }
            if (step.id() == null || step.id().isBlank()) {
                violations.add(new Violation(at + ".id", "is required"));
            } else if (!Ids.isSafe(step.id())) {
                violations.add(new Violation(at + ".id", "must match " + Ids.SAFE_ID.pattern()));
            } else if (byId.putIfAbsent(step.id(), step) != null) {
                violations.add(new Violation(at + ".id", "duplicate step id '" + step.id() + "'"));
            }
            if (step.type() == null || step.type().isBlank()) {
                violations.add(new Violation(at + ".type", "is required (one of " + stepTypes.names() + ")"));
            } else {
                StepSpec spec = stepTypes.find(step.type()).orElse(null);
                if (spec == null) {
                    violations.add(new Violation(at + ".type", "unknown step type '" + step.type() + "' (known: " + stepTypes.names() + ")"));
                } else {
                    spec.validate(step.config(), at + ".config", violations);
                    if (!spec.takesNextStep() && step.nextStepId() != null) {
                        violations.add(new Violation(at + ".next_step_id", "must be absent: a " + step.type()
                                + " goes on at the steps its config names"));
                    }
                }
            }
            validateRetry(step.retry(), at + ".retry", violations);
            if (step.timeoutSeconds() != null
                    && (step.timeoutSeconds() < 1 || step.timeoutSeconds() > StepDefinition.MAX_TIMEOUT_SECONDS)) {
                violations.add(new Violation(at + ".timeout_seconds", "must be an integer from 1 to "
                        + StepDefinition.MAX_TIMEOUT_SECONDS + " (was " + step.timeoutSeconds() + ")"));
            }
        }
        validateRetry(definition.retry(), "retry", violations);
        Triggers.validate(definition.trigger(), "trigger", violations);
        if (definition.onFailure() != null) {
            String target = definition.onFailure().workflowId();
            if (target == null || target.isBlank()) {
                violations.add(new Violation("on_failure.workflow_id", "is required"));
            } else if (!Ids.isSafe(target)) {
                violations.add(new Violation("on_failure.workflow_id", "must match " + Ids.SAFE_ID.pattern()));
            } else if (target.equals(definition.id())) {
                violations.add(new Violation("on_failure.workflow_id", "must name another workflow (a workflow cannot be its own error workflow)"));
            }
        }
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition step = steps.get(i);
            if (step != null && step.nextStepId() != null && !byId.containsKey(step.nextStepId())) {
                violations.add(new Violation("steps[" + i + "].next_step_id", "refers to unknown step '" + step.nextStepId() + "'"));
            }
            for (StepSpec.Successor successor : successors(step)) {
                if (!byId.containsKey(successor.stepId())) {
                    violations.add(new Violation("steps[" + i + "].config." + successor.field(), "refers to unknown step '" + successor.stepId() + "'"));
                }
            }
            for (StepSpec.Successor chain : chains(step)) {
                if (!byId.containsKey(chain.stepId())) {
                    violations.add(new Violation("steps[" + i + "].config." + chain.field(), "refers to unknown step '" + chain.stepId() + "'"));
                }
            }
        }
        checkChains(definition, steps, byId, violations);
        if (definition.entryPoint() == null || definition.entryPoint().isBlank()) {
            violations.add(new Violation("entry_point", "is required"));
        } else if (!byId.containsKey(definition.entryPoint())) {
            violations.add(new Violation("entry_point", "refers to unknown step '" + definition.entryPoint() + "'"));
        }
        detectCycles(steps, byId, violations);
        return violations;
    }

    /** Checks a retry policy's fields; {@code null} (no policy) is valid. */
    static void validateRetry(RetryPolicy retry, String at, List<Violation> violations) {
        if (retry == null) {
            return;
        }
        if (retry.maxAttempts() != null && (retry.maxAttempts() < 1 || retry.maxAttempts() > RetryPolicy.MAX_ATTEMPTS)) {
            violations.add(new Violation(at + ".max_attempts", "must be an integer from 1 to " + RetryPolicy.MAX_ATTEMPTS
                    + " (was " + retry.maxAttempts() + ")"));
        }
        boolean intervalsOk = true;
        if (retry.initialInterval() != null && !(retry.initialInterval() > 0 && retry.initialInterval() <= RetryPolicy.MAX_INTERVAL_LIMIT)) {
            violations.add(new Violation(at + ".initial_interval", "must be a number of seconds above 0 and at most "
                    + (long) RetryPolicy.MAX_INTERVAL_LIMIT + " (was " + retry.initialInterval() + ")"));
            intervalsOk = false;
        }
        if (retry.maxInterval() != null && !(retry.maxInterval() > 0 && retry.maxInterval() <= RetryPolicy.MAX_INTERVAL_LIMIT)) {
            violations.add(new Violation(at + ".max_interval", "must be a number of seconds above 0 and at most "
                    + (long) RetryPolicy.MAX_INTERVAL_LIMIT + " (was " + retry.maxInterval() + ")"));
            intervalsOk = false;
        }
        if (intervalsOk && retry.maxIntervalOrDefault() < retry.initialIntervalOrDefault()) {
            violations.add(new Violation(at + ".max_interval", "must be at least initial_interval ("
                    + retry.initialIntervalOrDefault() + " s; was " + retry.maxIntervalOrDefault() + " s)"));
        }
        if (retry.multiplier() != null && !(retry.multiplier() >= 1 && retry.multiplier() <= 100)) {
            violations.add(new Violation(at + ".multiplier", "must be a number from 1 to 100 (was " + retry.multiplier() + ")"));
        }
        if (retry.jitter() != null && !(retry.jitter() >= 0 && retry.jitter() <= 1)) {
            violations.add(new Violation(at + ".jitter", "must be a fraction from 0 to 1 (was " + retry.jitter() + ")"));
        }
    }

    /** The steps {@code step} may go on at besides its {@code next_step_id} (a switch's cases). */
    private List<StepSpec.Successor> successors(StepDefinition step) {
        if (step == null || step.type() == null) {
            return List.of();
        }
        return stepTypes.find(step.type()).map(spec -> spec.successors(step.config())).orElse(List.of());
    }

    private List<StepSpec.Successor> chains(StepDefinition step) {
        if (step == null || step.type() == null) {
            return List.of();
        }
        return stepTypes.find(step.type()).map(spec -> spec.chains(step.config())).orElse(List.of());
    }

    /** Every step a run may go on at after {@code step}, and the chains it starts (for the cycle check). */
    private List<String> edges(StepDefinition step) {
        List<String> edges = new ArrayList<>();
        if (step.nextStepId() != null) {
            edges.add(step.nextStepId());
        }
        successors(step).forEach(successor -> edges.add(successor.stepId()));
        chains(step).forEach(chain -> edges.add(chain.stepId()));
        return edges;
    }

    /**
     * Each chain (a for_each body, a parallel branch) belongs to exactly one step and is reached only
     * from it: none of its steps is on the main path from the entry point, nor in another chain.
     */
    private void checkChains(WorkflowDefinition definition, List<StepDefinition> steps, Map<String, StepDefinition> byId,
                             List<Violation> violations) {
        WorkflowGraph graph = new WorkflowGraph(definition, stepTypes);
        StepReferences.check(steps, byId, graph, violations);
        Set<String> main = definition.entryPoint() == null ? Set.of() : graph.reach(definition.entryPoint());
        Map<String, String> owner = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition step = steps.get(i);
            for (StepSpec.Successor chain : chains(step)) {
                if (!byId.containsKey(chain.stepId())) {
                    continue;
                }
                String at = "steps[" + i + "].config." + chain.field();
                for (String member : graph.reach(chain.stepId())) {
                    if (main.contains(member)) {
                        violations.add(new Violation(at, "the chain starting at '" + chain.stepId() + "' reaches step '" + member
                                + "', which the run also reaches outside the " + step.type() + "; a chain's steps run only in it"));
                        break;
                    }
                    String previous = owner.putIfAbsent(member, step.id() + "." + chain.field());
                    if (previous != null && !previous.equals(step.id() + "." + chain.field())) {
                        violations.add(new Violation(at, "step '" + member + "' is in this chain and in the one of "
                                + previous + "; a step belongs to one chain"));
                        break;
                    }
                }
            }
        }
    }

    /** Reports each cycle once, at the step it was found from, as the path that closes it. */
    private void detectCycles(List<StepDefinition> steps, Map<String, StepDefinition> byId, List<Violation> violations) {
        Set<String> done = new HashSet<>();
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition start = steps.get(i);
            if (start == null || start.id() == null || done.contains(start.id())) {
                continue;
            }
            List<String> cycle = findCycle(start.id(), byId, new ArrayList<>(), new HashSet<>(), done);
            if (cycle != null) {
                violations.add(new Violation("steps[" + steps.indexOf(byId.get(cycle.get(0))) + "].next_step_id",
                        "forms a cycle: " + String.join(" -> ", cycle)));
            }
        }
    }

    /** Depth first from {@code id}: the first cycle met, as a path from its first step back to it; null when none. */
    private List<String> findCycle(String id, Map<String, StepDefinition> byId, List<String> path, Set<String> onPath, Set<String> done) {
        StepDefinition step = byId.get(id);
        if (step == null || done.contains(id)) {
            return null;
        }
        if (onPath.contains(id)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            done.addAll(cycle);
            return cycle;
        }
        path.add(id);
        onPath.add(id);
        for (String next : edges(step)) {
            List<String> cycle = findCycle(next, byId, path, onPath, done);
            if (cycle != null) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        onPath.remove(id);
        done.add(id);
        return null;
    }
}
