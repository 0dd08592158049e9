package io.zaps.connector;

import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.kafka.trace.RunTracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Turns one {@link ExecuteStep} record into the {@link CompleteStep} that answers it, running the
 * handler in between. No Kafka here: the listener around it sends the answer.
 */
public final class StepRequestProcessor {
    private static final Logger log = LoggerFactory.getLogger(StepRequestProcessor.class);
    static final int MAX_ERROR_LENGTH = 2000;

    private final StepHandler handler;
    private final Clock clock;

    /** The step type this processor handles. */
    String type() {
        return handler.type();
    }

    public StepRequestProcessor(StepHandler handler, Clock clock) {
        this.handler = handler;
        this.clock = clock;
    }

    /**
     * Parses and checks the record, runs the handler and returns the answer.
     *
     * @throws MalformedRecordException when the record cannot be understood or is not for this
     *                                  handler: it is dead-lettered, not answered
     */
    public CompleteStep process(String key, byte[] value) {
        return process(key, value, null);
    }

    /** {@link #process(String, byte[])}, naming the step in {@code trace} (its span and logging context) once it is parsed. */
    CompleteStep process(String key, byte[] value, RunTracing.RunScope trace) {
        ExecuteStep request = parse(key, value);
        if (trace != null) {
            trace.ids(request.runId(), request.workflowId(), request.stepId());
        }
        Instant startedAt = clock.instant();
        StepOutcome outcome;
        if (StepDeadline.expired(request, startedAt)) {
            // The executor has given up on this attempt and may already have sent the next one (with
            // another idempotency key): doing the side effect now could do it twice. Not attempted;
            // answered as a timeout, which the executor records on the timed-out attempt.
            outcome = StepOutcome.retryable("not attempted: the attempt's deadline " + request.deadline()
                    + " had passed (request expired) before the connector started it");
        } else {
            outcome = run(request);
        }
        Instant finishedAt = clock.instant();
        return complete(request, outcome, startedAt, finishedAt);
    }

    ExecuteStep parse(String key, byte[] value) {
        ExecuteStep request = Json.read(value, ExecuteStep.class);
        SchemaVersions.check(request.schemaVersion(), "execute_step");
        require(request.runId(), "run_id");
        require(request.stepId(), "step_id");
        require(request.idempotencyKey(), "idempotency_key");
        if (!request.runId().equals(key)) {
            throw new MalformedRecordException("execute_step for run " + request.runId() + " has key " + key
                    + " (requests are keyed by run id)");
        }
        if (!handler.type().equals(request.stepType())) {
            throw new MalformedRecordException("execute_step has step_type " + request.stepType()
                    + " but arrived at the " + handler.type() + " connector");
        }
        if (request.attempt() < 1) {
            throw new MalformedRecordException("execute_step has attempt " + request.attempt() + " (attempts count from 1)");
        }
        return request;
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new MalformedRecordException("execute_step has no " + field);
        }
    }

    private StepOutcome run(ExecuteStep request) {
        try {
            StepOutcome outcome = handler.handle(request);
            return outcome != null ? outcome
                    : StepOutcome.permanent(handler.getClass().getName() + " returned no outcome");
        } catch (StackOverflowError | OutOfMemoryError e) {
            // One request (a deeply nested document, a huge one) must not stop the connector: its listener
            // container stops on an Error. Both unwind to here with their memory free again; the step fails,
            // named by the error's class only (its message is the JVM's, never the request's).
            log.error("{} step handler {} ran out of {} on run {} step {} attempt {}", handler.type(), handler.getClass().getName(),
                    e instanceof StackOverflowError ? "stack" : "memory", request.runId(), request.stepId(), request.attempt(), e);
            return StepOutcome.permanent(handler.type() + " connector failed: " + e.getClass().getSimpleName() + " while handling the step");
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            // A bug in a handler must fail the step, not leave the run waiting for an answer that never comes.
            log.error("{} step handler {} failed on run {} step {} attempt {}", handler.type(), handler.getClass().getName(),
                    request.runId(), request.stepId(), request.attempt(), e);
            String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            return StepOutcome.permanent(handler.type() + " connector failed unexpectedly: " + message);
        }
    }

    private static CompleteStep complete(ExecuteStep request, StepOutcome outcome, Instant startedAt, Instant finishedAt) {
        JsonNode output = outcome.output() == null ? Json.object() : outcome.output();
        if (outcome instanceof StepOutcome.Failed failed) {
            return new CompleteStep(SchemaVersions.CURRENT, request.runId(), request.stepId(), request.attempt(), request.idempotencyKey(),
                    CompleteStep.Outcome.FAILED, output, truncate(failed.error()), failed.retryable(), startedAt, finishedAt,
                    retryAfterSeconds(failed));
        }
        return new CompleteStep(SchemaVersions.CURRENT, request.runId(), request.stepId(), request.attempt(), request.idempotencyKey(),
                CompleteStep.Outcome.SUCCEEDED, output, null, false, startedAt, finishedAt);
    }

    /** Whole seconds, rounded up; only for a retryable failure (a permanent one is never retried). */
    static Long retryAfterSeconds(StepOutcome.Failed failed) {
        if (!failed.retryable() || failed.retryAfter() == null) {
            return null;
        }
        Duration hint = failed.retryAfter();
        return hint.getSeconds() + (hint.getNano() > 0 ? 1 : 0);
    }

    private static String truncate(String error) {
        return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH - 3) + "...";
    }
}
