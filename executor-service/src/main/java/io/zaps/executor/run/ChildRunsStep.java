package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.ChildRunEnded;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.ParentRun;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowGraph;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Instant;

/**
 * A step that runs chains of its workflow as child runs ({@code for_each} iterations, {@code parallel}
 * branches) and ends when they have. Each child is a run of its own (its own partition, state, events
 * and JSON file, {@code parent} naming this step), so a loop's size never grows one run's record past
 * its limit; the parent keeps only the progress, in the running step's output:
 * {@code {"count", "started", "ended", "failed", "results": [one entry per child, null until it ends]}}.
 * A child's result is its last step's output while all results together stay within
 * {@link #RESULTS_BUDGET_BYTES}; past that it is {@code {"run_id", "status"}}, a reference to the child run.
 * No events are published while children end (a thousand iterations would publish a thousand parent
 * snapshots): the step's start and end are.
 *
 * <p>{@code retry_run} of a run whose step of this kind failed re-runs only the children that did not complete
 * ({@link #retryAttempt}): the new attempt keeps the completed children's results (and their runs), and starts the
 * failed, cancelled and never-started ones again, with the items the first attempt rendered. Their run ids derive
 * from the new attempt ({@link ChildRuns#runId}), so they are new runs, and a replayed decision starts the same
 * ones. The progress then also says {@code "kept"} (results carried over, counted in {@code started} and
 * {@code ended}) and {@code "rerun"} (the indexes this attempt runs, in order); {@code "failed_indexes"} lists the
 * children that ended without completing, which is how a retry tells a failed child's {@code {"error": ...}}
 * entry from a completed child whose output looks the same.
 */
abstract class ChildRunsStep implements StepKind, WaitsForChildren {
    /** What a step's inline results may take, as JSON bytes; later results are references to the child runs. */
    static final int RESULTS_BUDGET_BYTES = 256 * 1024;

    protected final StepFlow flow;
    private final StepTypes stepTypes;
    private final RunLimits limits;

    ChildRunsStep(StepFlow flow, StepTypes stepTypes, RunLimits limits) {
        this.flow = flow;
        this.stepTypes = stepTypes;
        this.limits = limits;
    }

    /**
     * What the step records as its input: what each child needs to be started later (the items of a
     * for_each, rendered once, or the branches).
     *
     * @throws TemplateException when the config cannot be rendered
     * @throws IllegalArgumentException naming the config field when it does not make sense (not a list, too many)
     */
    abstract ObjectNode input(java.util.Map<String, Object> data, ObjectNode config);

    /** How many children the step runs. */
    abstract int count(JsonNode input);

    /** How many may run at once. */
    abstract int concurrency(JsonNode input);

    /** Whether a failed child leaves the others running (its result then {@code {"error": ...}}). */
    abstract boolean continueOnError(JsonNode input);

    /** The first step of the chain child {@code index} runs. */
    abstract String chainStart(JsonNode input, int index);

    /** What child {@code index} finds in its context besides the parent's ({@code item} and {@code index}, ...). */
    abstract void addToContext(ObjectNode context, JsonNode input, int index);

    /** The step's output once every child ended, from its progress. */
    abstract JsonNode output(JsonNode input, ObjectNode progress);

    /** How a child is named in a failure, e.g. {@code iteration 3} or {@code branch 'notify'}. */
    abstract String name(JsonNode input, int index);

    @Override
    public final void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        ObjectNode input;
        try {
            input = input(TemplateData.of(t), config);
        } catch (TemplateException e) {
            flow.failAtStart(t, definition, attempt, config, "cannot render " + e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            flow.failAtStart(t, definition, attempt, config, e.getMessage());
            return;
        }
        int depth = t.run.parent == null ? 1 : t.run.parent.depth() + 1;
        if (depth > ParentRun.MAX_DEPTH) {
            flow.failAtStart(t, definition, attempt, config, "child runs would nest " + depth + " deep, more than "
                    + ParentRun.MAX_DEPTH);
            return;
        }
        int size = Json.toBytes(input).length;
        if (size > limits.maxStepBytes() / 2) {
            flow.failAtStart(t, definition, attempt, config, "the step's input is " + size + " bytes, more than "
                    + limits.maxStepBytes() / 2 + ": pass references (ids, attachment refs), not whole documents");
            return;
        }
        int count = count(input);
        ObjectNode progress = Json.object().put("count", count).put("started", 0).put("ended", 0).put("failed", 0);
        ArrayNode results = progress.putArray("results");
        for (int i = 0; i < count; i++) {
            results.addNull();
        }
        StepState running = ChildRuns.withOutput(t.run.step(definition.id()).running(attempt, input, t.now)
                .withAttempt(StepAttempt.started(attempt, t.now)), progress);
        t.run.put(running);
        t.commit(RunEventType.STEP_STARTED, definition.id());
        if (count == 0) {
            flow.succeedStep(t, running, output(input, progress));
            return;
        }
        startMore(t, running);
    }

    /** Starts children while some are left and fewer than the concurrency run; nothing while the run is paused. */
    private void startMore(Transition t, StepState step) {
        if (t.run.status == RunStatus.PAUSED) {
            return;
        }
        ObjectNode progress = (ObjectNode) step.output().deepCopy();
        int count = progress.path("count").asInt();
        int started = progress.path("started").asInt();
        int kept = progress.path("kept").asInt();
        int running = started - progress.path("ended").asInt();
        while (started < count && running < concurrency(step.input())) {
            String problem = startChild(t, step, indexAt(progress, started - kept));
            if (problem != null) {
                progress.put("started", started);
                cancelChildren(t, ChildRuns.withOutput(step, progress));
                flow.failStep(t, StepFlow.endAttempt(ChildRuns.withOutput(step, progress), StepAttempt.Outcome.FAILED, problem, false, t.now),
                        problem, progress);
                return;
            }
            started++;
            running++;
        }
        progress.put("started", started);
        t.run.put(ChildRuns.withOutput(step, progress));
    }

    /** @return why the child could not be started, or null */
    private String startChild(Transition t, StepState step, int index) {
        JsonNode input = step.input();
        ObjectNode context = t.run.context == null ? Json.object() : t.run.context.deepCopy();
        addToContext(context, input, index);
        String childId = ChildRuns.runId(t.run.runId, step.stepId(), step.attempt(), index);
        int depth = t.run.parent == null ? 1 : t.run.parent.depth() + 1;
        StartRun start = new StartRun(SchemaVersions.CURRENT, childId,
                new WorkflowGraph(t.workflow, stepTypes).chain(chainStart(input, index)), context,
                ChildRuns.eventId(t.run.runId, step.stepId(), step.attempt(), index), t.now, step.type(),
                new ParentRun(t.run.runId, step.stepId(), step.attempt(), index, depth), ChildRuns.inheritedSteps(t));
        int size = Json.toBytes(start).length;
        if (size > limits.maxStepBytes()) {
            return "the start of " + name(input, index) + " would be " + size + " bytes, more than " + limits.maxStepBytes()
                    + " (the run's context and step outputs it inherits are too large)";
        }
        t.effects.add(new Effect.SendCommand(start));
        return null;
    }

    /** A child ended: record its result, then go on, fail, or end the step. */
    @Override
    public final Decision onChildEnded(RunState state, StepState step, ChildRunEnded ended, Instant now) {
        ObjectNode progress = step.output() == null ? Json.object() : (ObjectNode) step.output().deepCopy();
        ArrayNode results = (ArrayNode) progress.path("results");
        int index = ended.index();
        if (!results.isArray() || index < 0 || index >= results.size() || !startedInThisAttempt(progress, index)) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE, ChildRunEnded.TYPE + " for child " + index
                    + " of step '" + step.stepId() + "', which never started it");
        }
        if (!results.get(index).isNull()) {
            return Decision.ignored(state, IgnoreReason.STALE_ATTEMPT, ChildRunEnded.TYPE + " for child " + index
                    + " of step '" + step.stepId() + "', already recorded");
        }
        boolean failed = ended.status() != RunStatus.COMPLETED;
        results.set(index, result(progress, ended));
        progress.put("ended", progress.path("ended").asInt() + 1);
        if (failed) {
            progress.put("failed", progress.path("failed").asInt() + 1);
            (progress.has("failed_indexes") ? (ArrayNode) progress.get("failed_indexes") : progress.putArray("failed_indexes")).add(index);
        }
        Transition t = new Transition(state, now);
        StepState updated = ChildRuns.withOutput(step, progress);
        t.run.put(updated);
        if (failed && !continueOnError(step.input())) {
            cancelChildren(t, updated);
            String reason = name(step.input(), index) + " " + ended.status().wireName()
                    + (ended.error() == null ? "" : ": " + ended.error()) + " (child run " + ended.childRunId() + ")";
            flow.failStep(t, StepFlow.endAttempt(updated, StepAttempt.Outcome.FAILED, reason, false, now), reason, progress);
        } else if (progress.path("ended").asInt() == progress.path("count").asInt()) {
            flow.succeedStep(t, updated, output(step.input(), progress));
        } else {
            startMore(t, updated);
        }
        return t.decision();
    }

    private JsonNode result(ObjectNode progress, ChildRunEnded ended) {
        JsonNode result;
        if (ended.status() == RunStatus.COMPLETED) {
            result = ended.output() == null ? Json.mapper().nullNode() : ended.output();
        } else {
            result = Json.object().put("error", ended.status().wireName() + (ended.error() == null ? "" : ": " + ended.error()));
        }
        int size = Json.toBytes(result).length;
        int used = progress.path("results_bytes").asInt();
        if (used + size > RESULTS_BUDGET_BYTES) {
            ObjectNode reference = Json.object().put("run_id", ended.childRunId()).put("status", ended.status().wireName());
            progress.put("results_by_reference", true);
            return reference;
        }
        progress.put("results_bytes", used + size);
        return result.isNull() ? Json.object() : result;
    }

    /** The run ids of the children of {@code step} that were started and have not ended. */
    @Override
    public final java.util.List<String> activeChildren(Transition t, StepState step) {
        java.util.List<String> active = new java.util.ArrayList<>();
        JsonNode progress = step.output();
        if (progress == null) {
            return active;
        }
        JsonNode results = progress.path("results");
        int positions = progress.path("started").asInt() - progress.path("kept").asInt();
        for (int p = 0; p < positions; p++) {
            int i = indexAt(progress, p);
            if (i < results.size() && results.get(i).isNull()) {
                active.add(ChildRuns.runId(t.run.runId, step.stepId(), step.attempt(), i));
            }
        }
        return active;
    }

    /** Cancels every child of {@code step} that was started and has not ended. */
    final void cancelChildren(Transition t, StepState step) {
        for (String childId : activeChildren(t, step)) {
            t.effects.add(new Effect.SendCommand(new CancelRun(SchemaVersions.CURRENT, childId, t.now,
                    "its parent run " + t.run.runId + " no longer waits for it (step '" + step.stepId() + "')")));
        }
    }

    /**
     * {@code retry_run} of the run whose step {@code failed} is: a new attempt that keeps what completed and runs
     * the rest again (see the class comment); a fresh attempt when nothing completed or the failed attempt's
     * progress does not say which children completed (it failed before starting any, or an older executor
     * recorded it).
     */
    @Override
    public final void retryAttempt(Transition t, StepDefinition definition, StepState failed, int attempt, ObjectNode config) {
        ObjectNode progress = carriedOver(failed);
        if (progress == null) {
            startAttempt(t, definition, attempt, config);
            return;
        }
        StepState running = ChildRuns.withOutput(t.run.step(definition.id()).running(attempt, failed.input(), t.now)
                .withAttempt(StepAttempt.started(attempt, t.now)), progress);
        t.run.put(running);
        t.commit(RunEventType.STEP_STARTED, definition.id());
        startMore(t, running);
    }

    /** The progress a retry of {@code failed} starts from, or null for a fresh attempt. */
    private ObjectNode carriedOver(StepState failed) {
        JsonNode previous = failed.output();
        JsonNode input = failed.input();
        if (previous == null || !previous.isObject() || input == null || !input.isObject()) {
            return null;
        }
        JsonNode results = previous.get("results");
        int count = previous.path("count").asInt(-1);
        if (results == null || !results.isArray() || results.size() != count || count != count(input)) {
            return null;
        }
        java.util.Set<Integer> notCompleted = new java.util.HashSet<>();
        previous.path("failed_indexes").forEach(i -> notCompleted.add(i.asInt()));
        if (previous.path("failed").asInt() != notCompleted.size()) {
            return null; // which entries are errors is not recorded: run them all again
        }
        ArrayNode kept = Json.mapper().createArrayNode();
        ArrayNode rerun = Json.mapper().createArrayNode();
        for (int i = 0; i < count; i++) {
            if (results.get(i).isNull() || notCompleted.contains(i)) {
                kept.addNull();
                rerun.add(i);
            } else {
                kept.add(results.get(i));
            }
        }
        int keptCount = count - rerun.size();
        if (keptCount == 0 || rerun.isEmpty()) {
            return null;
        }
        ObjectNode progress = Json.object().put("count", count).put("started", keptCount).put("ended", keptCount).put("failed", 0)
                .put("kept", keptCount);
        progress.set("rerun", rerun);
        progress.set("results", kept);
        // The dropped error entries stay counted: the budget errs on the side of references.
        if (previous.has("results_bytes")) {
            progress.put("results_bytes", previous.path("results_bytes").asInt());
        }
        if (previous.path("results_by_reference").asBoolean(false)) {
            progress.put("results_by_reference", true);
        }
        return progress;
    }

    /** The child index this attempt starts at {@code position}: the position itself, or the retry's {@code rerun} entry. */
    private static int indexAt(JsonNode progress, int position) {
        JsonNode rerun = progress.get("rerun");
        return rerun == null ? position : rerun.path(position).asInt(-1);
    }

    /** Whether this attempt started child {@code index}. */
    private static boolean startedInThisAttempt(JsonNode progress, int index) {
        int positions = progress.path("started").asInt() - progress.path("kept").asInt();
        JsonNode rerun = progress.get("rerun");
        if (rerun == null) {
            return index < positions;
        }
        for (int p = 0; p < positions && p < rerun.size(); p++) {
            if (rerun.get(p).asInt() == index) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void releaseHeld(Transition t, StepState step) {
        startMore(t, step); // children that ended while the run was paused left room for more
    }
}
