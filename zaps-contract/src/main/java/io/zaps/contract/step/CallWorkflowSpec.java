package io.zaps.contract.step;

import io.zaps.contract.Ids;
import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code call_workflow}: {@code {"workflow_id": "x", "context": {...}, "wait": true}}. Starts a run of another
 * saved workflow (its current version) with the rendered {@code context} (strings are templates; a string that is
 * exactly one expression keeps its JSON type); its run id derives from this run, step and attempt, so a
 * redelivery starts one child, and its snapshot names this run as its {@code parent}. With {@code wait} (the
 * default) the step ends when the child ends: output {@code {"run_id", "status", "output"}} (the child's last step
 * output); a failed child fails the attempt, retried per the step's retry policy with a new child. Without:
 * output {@code {"run_id"}} at once. Run by the executor; children nest at most
 * {@link io.zaps.contract.run.ParentRun#MAX_DEPTH} deep.
 */
public final class CallWorkflowSpec implements StepSpec {
    public static final String TYPE = "call_workflow";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String category() {
        return FLOW;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("workflow_id", "context", "wait"));
        JsonNode workflowId = config == null ? null : config.get("workflow_id");
        if (workflowId == null || !workflowId.isString() || !Ids.isSafe(workflowId.stringValue())) {
            checks.violation("workflow_id", "is required: the id of the workflow to run, matching " + Ids.SAFE_ID.pattern());
        }
        JsonNode context = config == null ? null : config.get("context");
        if (context != null && !context.isNull()) {
            if (!context.isObject()) {
                checks.violation("context", "must be an object (its strings are templates)");
            } else {
                checks.templatedValue("context");
                if (context.toString().contains("secret(")) {
                    checks.violation("context", "cannot use secret(): the called run records its context");
                }
            }
        }
        JsonNode wait = config == null ? null : config.get("wait");
        if (wait != null && !wait.isNull() && !wait.isBoolean()) {
            checks.violation("wait", "must be true or false");
        }
    }
}
