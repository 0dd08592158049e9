package io.zaps.connector;

import io.zaps.contract.command.ExecuteStep;

/**
 * Executes steps of one type: the only code a connector writes. Declare an implementation as a
 * Spring bean in a service that has this kit on its class path; the kit consumes
 * {@link io.zaps.contract.Topics#stepRequests(String) zaps.step-requests.<type>}, calls
 * {@link #handle} for every request and answers a {@link io.zaps.contract.command.CompleteStep}
 * on {@link io.zaps.contract.Topics#RUN_COMMANDS}.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #type()} names an external {@link io.zaps.contract.step.StepSpec} on the class path
 *       (listed in {@code META-INF/services/io.zaps.contract.step.StepSpec}); the application fails
 *       to start otherwise, or when two handlers claim the same type.</li>
 *   <li>{@link #handle} is called concurrently from several consumer threads: keep no per-call
 *       state in fields.</li>
 *   <li>Delivery is at least once: the same request may arrive again (after a crash or rebalance).
 *       Pass {@link ExecuteStep#idempotencyKey()} on to the outside world so that a repeat does
 *       not repeat the side effect there.</li>
 *   <li>Classify failures where they happen ({@link StepOutcome#failed}): {@code retryable} for
 *       what may succeed later (timeouts, connection errors, HTTP 5xx/429/408, SMTP 4xx), permanent
 *       for what will not (other HTTP 4xx, an invalid config, SMTP 5xx, a refused target).</li>
 *   <li>Return an outcome rather than throwing. An exception that escapes anyway becomes a
 *       permanent failure carrying its message, so a run never hangs on a bug.</li>
 *   <li>Bound the time spent: the request's config carries the step's timeout, and the executor
 *       stops waiting at {@link ExecuteStep#deadline()}; spend at most
 *       {@link StepDeadline#budget} (the smaller of the two). A request already past its deadline
 *       never reaches the handler.</li>
 *   <li>When the other side says when to come back (HTTP {@code Retry-After} on a 429 or 5xx), pass
 *       it on with {@link StepOutcome#failed(String, boolean, tools.jackson.databind.JsonNode, java.time.Duration)}
 *       ({@link RetryAfter#parse} reads the header): the executor waits at least that long.</li>
 *   <li>Never put secrets from the config (passwords, tokens) into the outcome's error or output:
 *       both are stored in the run and shown by the API.</li>
 * </ul>
 */
public interface StepHandler {

    /** The step type this handler executes, e.g. {@code webhook}; equal to its {@code StepSpec#type()}. */
    String type();

    /**
     * Executes one attempt of one step.
     *
     * @param request the request, already checked to be for {@link #type()}; its
     *                {@link ExecuteStep#config()} has every template rendered but is not
     *                re-validated: treat bad values as a permanent failure
     * @return what happened, never {@code null}
     */
    StepOutcome handle(ExecuteStep request);
}
