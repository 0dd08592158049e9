package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * What Zaps knows about one step type before any run: its name, who executes it, and how to
 * validate its configuration when a workflow is created.
 *
 * <p>Adding a step type means adding one implementation and listing it in
 * {@code META-INF/services/io.zaps.contract.step.StepSpec}; the gateway validates with it and the
 * executor routes to {@link io.zaps.contract.Topics#stepRequests(String)} of its type without
 * being edited. Implementations must be stateless and pure.
 *
 * <p>Each type also describes itself for editors ({@code GET /api/step-types}): a JSON Schema (draft-07) of its
 * config in the resource {@code <type>.schema.json} beside its class, whose {@code title}, {@code description} and
 * first {@code examples} entry are the type's title, description and example ({@link #configSchema()}); a
 * {@link #category()} and the names of its outgoing connections ({@link #outputs()}). The schema describes what the
 * validator accepts; the validator stays the judge of what the schema cannot say (templates, expressions, references
 * between steps). {@code StepSchemasTest} checks every type's example against both.
 */
public interface StepSpec {
    /** The {@code type} of steps this spec describes, e.g. {@code webhook}. */
    String type();

    /**
     * {@code true} when a connector service executes the step (the executor publishes an
     * {@link io.zaps.contract.command.ExecuteStep} to the type's request topic); {@code false} when
     * the executor handles it itself (e.g. {@code delay}).
     */
    boolean external();

    /**
     * Adds every problem of {@code config} to {@code violations}, naming fields under {@code path}
     * (e.g. {@code steps[2].config}). {@code config} may be {@code null}.
     */
    void validate(ObjectNode config, String path, List<Violation> violations);

    /** The attempt timeout of a step type that does not declare its own. */
    int DEFAULT_TIMEOUT_SECONDS = 30;

    /**
     * How long one attempt of an external step may take, in seconds, when neither the step's own
     * {@code timeout_seconds} nor its config's {@code timeout_seconds} says: the executor stops waiting
     * after this (plus a short grace), and the connector should give up by then too. A type whose work
     * takes longer (reading a PDF) declares more. Default {@value #DEFAULT_TIMEOUT_SECONDS}; not used for
     * steps the executor runs itself.
     */
    default int defaultTimeoutSeconds() {
        return DEFAULT_TIMEOUT_SECONDS;
    }

    /** What replaces a secret value wherever a config is shown. */
    String REDACTED = "********";

    /**
     * The rendered {@code config} as it may be recorded and shown (run snapshots, run events, the
     * API): a copy with every secret value (passwords, credentials in headers or URLs) replaced by
     * {@link #REDACTED}. The connector still receives the real config. Default: nothing to hide.
     */
    default ObjectNode redact(ObjectNode config) {
        return config;
    }

    /**
     * A step this one may go on at besides its {@code next_step_id}, named in its config (a
     * {@code switch}'s cases).
     *
     * @param field where in the config, e.g. {@code cases[1].next_step_id}
     */
    record Successor(String field, String stepId) {
    }

    /**
     * The steps a step of this type with {@code config} may go on at besides its {@code next_step_id};
     * the validator checks that each exists and that no path loops. Default: none.
     */
    default List<Successor> successors(ObjectNode config) {
        return List.of();
    }

    /**
     * The first steps of the chains a step of this type runs as child runs (a {@code for_each}'s body, a
     * {@code parallel}'s branches). Each chain belongs to this step alone and is reached only from it;
     * the validator checks both. Default: none.
     */
    default List<Successor> chains(ObjectNode config) {
        return List.of();
    }

    /** Whether a step of this type may have a {@code next_step_id} (a {@code switch} goes on at its cases instead). */
    default boolean takesNextStep() {
        return true;
    }

    /** {@link #category()}: does something with data or the outside world (webhook, email, pdf_extract, transform). */
    String ACTION = "action";
    /** {@link #category()}: holds the run until a time or an event (delay, wait_for_event). */
    String CONTROL = "control";
    /** {@link #category()}: decides where the run goes (filter, switch, for_each, parallel, call_workflow). */
    String FLOW = "flow";

    /** How an editor groups the type: {@link #ACTION}, {@link #CONTROL} or {@link #FLOW}. Default: action if external, else control. */
    default String category() {
        return external() ? ACTION : CONTROL;
    }

    /**
     * The names of the type's outgoing connections, as an editor draws them: {@code next} for {@code next_step_id};
     * a type that names other steps in its config adds the config field ({@code body}, {@code branches},
     * {@code cases}, {@code default}). Default: {@code ["next"]}, or none for a type without {@code next_step_id}.
     */
    default List<String> outputs() {
        return takesNextStep() ? List.of("next") : List.of();
    }

    /**
     * The JSON Schema (draft-07) of the type's config, from the resource {@code <type>.schema.json} beside the class
     * (a copy: callers may change it). Fails naming the resource when it is missing.
     */
    default ObjectNode configSchema() {
        return StepSchemas.load(getClass(), type());
    }

    /** A short name for editors: the schema's {@code title}. */
    default String title() {
        JsonNode title = configSchema().get("title");
        return title == null ? type() : title.asString();
    }

    /** What the type does, in a sentence or two: the schema's {@code description}. */
    default String description() {
        JsonNode description = configSchema().get("description");
        return description == null ? "" : description.asString();
    }

    /** A config that works: the schema's first {@code examples} entry. */
    default JsonNode example() {
        JsonNode examples = configSchema().get("examples");
        return examples == null || examples.isEmpty() ? io.zaps.contract.Json.object() : examples.get(0);
    }
}
