package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The data a step's config templates see: every trigger context field at top level (so
 * {@code {{ customer_email }}} works as in the prototype), plus {@code context} (the whole context),
 * {@code run} ({@code id}, {@code workflow_id}, {@code workflow_version}, {@code resume_urls}: the resume URL of
 * each of the run's {@code wait_for_event} steps by step id, known from the run's start) and {@code steps}
 * ({@code {step_id: {status, output}}} of the steps that finished). The reserved names win over
 * context fields of the same name.
 */
final class TemplateData {
    private TemplateData() {}

    /** The data of the run in transition {@code t}: a child run's templates also see the steps it inherited from its parent. */
    static Map<String, Object> of(Transition t) {
        Map<String, Object> data = of(t.run);
        if (t.inheritedSteps != null && !t.inheritedSteps.isEmpty()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> own = (Map<String, Object>) data.get("steps");
            Map<String, Object> steps = new LinkedHashMap<>(Json.toMap(t.inheritedSteps));
            steps.putAll(own);
            data.put("steps", steps);
        }
        return data;
    }

    static Map<String, Object> of(SnapshotBuilder run) {
        Map<String, Object> context = Json.toMap(run.context);
        Map<String, Object> data = new LinkedHashMap<>(context);
        data.put("context", context);

        Map<String, Object> runData = new LinkedHashMap<>();
        runData.put("id", run.runId);
        runData.put("workflow_id", run.workflowId);
        runData.put("workflow_version", run.workflowVersion);
        runData.put("resume_urls", new LinkedHashMap<>(run.resumeUrls));
        data.put("run", runData);

        Map<String, Object> steps = new LinkedHashMap<>();
        for (StepState step : run.steps.values()) {
            if (step.status() == StepStatus.COMPLETED || step.status() == StepStatus.FAILED) {
                Map<String, Object> stepData = new LinkedHashMap<>();
                stepData.put("status", step.status().wireName());
                stepData.put("output", plain(step.output()));
                steps.put(step.stepId(), stepData);
            }
        }
        data.put("steps", steps);
        return data;
    }

    /** Maps, lists and scalars: the template engine navigates those, never Jackson nodes. */
    private static Object plain(JsonNode node) {
        return node == null || node.isNull() ? null : Json.mapper().convertValue(node, Object.class);
    }
}
