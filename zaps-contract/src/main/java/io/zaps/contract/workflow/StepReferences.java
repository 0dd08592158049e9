package io.zaps.contract.workflow;

import io.zaps.contract.step.StepSpec;
import tools.jackson.databind.JsonNode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that a step's templates name only steps that can have run before it: {@code {{ steps.x.output }}}
 * in step y is refused when no path leads from x to y (x comes later, on another path, or inside a
 * for_each body that y is outside of). A step sees its ancestors along next steps, switch cases and
 * into chains (a body step sees what ran before its for_each). Only literal {@code steps.<id>} names
 * are checked.
 */
final class StepReferences {
    private static final Pattern REFERENCE = Pattern.compile("\\bsteps\\.([A-Za-z0-9][A-Za-z0-9_-]*)");

    private StepReferences() {}

    static void check(List<StepDefinition> steps, Map<String, StepDefinition> byId, WorkflowGraph graph, List<Violation> violations) {
        Map<String, Set<String>> predecessors = new HashMap<>();
        for (StepDefinition step : byId.values()) {
            for (String next : graph.edges(step)) {
                predecessors.computeIfAbsent(next, k -> new HashSet<>()).add(step.id());
            }
            for (StepSpec.Successor chain : graph.chains(step)) {
                predecessors.computeIfAbsent(chain.stepId(), k -> new HashSet<>()).add(step.id());
            }
        }
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition step = steps.get(i);
            if (step == null || step.id() == null || step.config() == null) {
                continue;
            }
            Set<String> before = ancestors(step.id(), predecessors);
            String at = "steps[" + i + "].config";
            strings(step.config(), at, (field, text) -> {
                Matcher m = REFERENCE.matcher(text);
                while (m.find()) {
                    String named = m.group(1);
                    if (byId.containsKey(named) && !before.contains(named)) {
                        violations.add(new Violation(field, "names steps." + named + ", which cannot have run before step '"
                                + step.id() + "'" + (named.equals(step.id()) ? " (it is this step)" : "")));
                        return;
                    }
                }
            });
        }
    }

    private static Set<String> ancestors(String id, Map<String, Set<String>> predecessors) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(predecessors.getOrDefault(id, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.poll();
            if (seen.add(next)) {
                todo.addAll(predecessors.getOrDefault(next, Set.of()));
            }
        }
        return seen;
    }

    private static void strings(JsonNode node, String field, BiConsumer<String, String> visit) {
        if (node.isString()) {
            visit.accept(field, node.stringValue());
        } else if (node.isObject()) {
            node.properties().forEach(e -> strings(e.getValue(), field + "." + e.getKey(), visit));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                strings(node.get(i), field + "[" + i + "]", visit);
            }
        }
    }
}
