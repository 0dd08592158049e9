package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The executor's check that a pinned workflow is one the gateway would have saved, remembering the definitions that
 * passed: every trigger of a workflow pins the same definition, and validating it (URLs parsed, templates compiled,
 * the graph walked) took about 8 % of the stream thread's time at ~500 runs/s (docs/benchmarks.md, session 10),
 * while looking an equal definition up takes a hash and an equals over it. Validation is a function of the
 * definition alone, so a definition equal to one that passed passes; anything else, a definition that failed
 * included, is validated in full.
 */
final class ValidWorkflows {
    /** Definitions remembered (the least recently used goes first); a few per active workflow version is plenty. */
    static final int MAX_REMEMBERED = 256;

    private final Function<WorkflowDefinition, List<Violation>> validator;
    /** Private copies of definitions that passed: nothing the caller does to its object can change a key. */
    private final Map<WorkflowDefinition, Boolean> passed = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<WorkflowDefinition, Boolean> eldest) {
                    return size() > MAX_REMEMBERED;
                }
            });

    ValidWorkflows(Function<WorkflowDefinition, List<Violation>> validator) {
        this.validator = validator;
    }

    /** What is wrong with {@code workflow}; empty when it is valid. */
    List<Violation> violations(WorkflowDefinition workflow) {
        if (passed.containsKey(workflow)) {
            return List.of();
        }
        List<Violation> violations = validator.apply(workflow);
        if (violations.isEmpty()) {
            passed.put(Json.read(Json.toBytes(workflow), WorkflowDefinition.class), Boolean.TRUE);
        }
        return violations;
    }
}
