package io.zaps.contract.step;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code parallel}: {@code {"branches": ["notify_a", "notify_b"]}}. Every branch chain starts at once, each a child
 * run; the step succeeds when all have, output {@code {"branches": {"<first step id>": <its last step output>}}},
 * and the run goes on at its {@code next_step_id}. A failed branch fails the step and cancels the others.
 * Run by the executor.
 */
public final class ParallelSpec implements StepSpec {
    public static final String TYPE = "parallel";
    public static final int MAX_BRANCHES = 20;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return FLOW;
    }

    @Override
    public List<String> outputs() {
        return List.of("branches", "next");
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("branches"));
        JsonNode branches = config == null ? null : config.get("branches");
        if (branches == null || !branches.isArray() || branches.size() < 2 || branches.size() > MAX_BRANCHES) {
            checks.violation("branches", "must list 2 to " + MAX_BRANCHES + " step ids, each the first step of a branch");
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < branches.size(); i++) {
            JsonNode branch = branches.get(i);
            if (!branch.isString() || !Ids.isSafe(branch.stringValue())) {
                checks.violation("branches[" + i + "]", "must be a step id matching " + Ids.SAFE_ID.pattern());
            } else if (!seen.add(branch.stringValue())) {
                checks.violation("branches[" + i + "]", "names branch '" + branch.stringValue() + "' twice");
            }
        }
    }

    @Override
    public List<Successor> chains(ObjectNode config) {
        List<Successor> chains = new ArrayList<>();
        JsonNode branches = config == null ? null : config.get("branches");
        if (branches != null && branches.isArray()) {
            for (int i = 0; i < branches.size(); i++) {
                if (branches.get(i).isString()) {
                    chains.add(new Successor("branches[" + i + "]", branches.get(i).stringValue()));
                }
            }
        }
        return chains;
    }
}
