package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
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
}
