package io.zaps.contract.workflow;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.WaitForEventSpec;
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
 *
 * <p>Likewise {@code {{ run.resume_urls.x }}} in step y is refused unless x is a {@code wait_for_event} step
 * of the same run as y: both outside every chain (the run itself), or both in the same chain (one child run of
 * a loop or branch, which has its own run id and so its own URLs). Where in that run x stands does not matter:
 * every URL is known from the run's start.
 */
final class StepReferences {
    private static final Pattern REFERENCE = Pattern.compile("\\bsteps\\.([A-Za-z0-9][A-Za-z0-9_-]*)");
    private static final Pattern RESUME_URL = Pattern.compile("\\brun\\.resume_urls\\.([A-Za-z0-9][A-Za-z0-9_-]*)");

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
        Map<String, String> runOf = runs(byId, graph);
        for (int i = 0; i < steps.size(); i++) {
            StepDefinition step = steps.get(i);
            if (step == null || step.id() == null || step.config() == null) {
                continue;
            }
            Set<String> before = ancestors(step.id(), predecessors);
            String at = "steps[" + i + "].config";
            strings(step.config(), at, (field, text) -> {
                Matcher m = RESUME_URL.matcher(text);
                while (m.find()) {
                    String named = m.group(1);
                    StepDefinition target = byId.get(named);
                    if (target == null || !WaitForEventSpec.TYPE.equals(target.type())) {
                        violations.add(new Violation(field, "names run.resume_urls." + named + ", but '" + named
                                + "' is not a wait_for_event step" + (target == null ? " (there is no such step)" : "")));
                        return;
                    }
                    if (!runOf.get(named).equals(runOf.get(step.id()))) {
                        violations.add(new Violation(field, "names run.resume_urls." + named + ", but step '" + named
                                + "' runs in another run than step '" + step.id() + "' (a for_each body or parallel branch is a"
                                + " child run with URLs of its own)"));
                        return;
                    }
                }
            });
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

    /**
     * Which run each step runs in: the first step of its chain (a body or branch, each a child run of its own),
     * or {@code ""} for the run itself.
     */
    private static Map<String, String> runs(Map<String, StepDefinition> byId, WorkflowGraph graph) {
        Map<String, String> runOf = new HashMap<>();
        for (StepDefinition step : byId.values()) {
            for (StepSpec.Successor chain : graph.chains(step)) {
                for (String id : graph.reach(chain.stepId())) {
                    runOf.put(id, chain.stepId());
                }
            }
        }
        for (String id : byId.keySet()) {
            runOf.putIfAbsent(id, "");
        }
        return runOf;
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
