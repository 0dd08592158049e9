package io.zaps.executor.stream;

import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.StartRun;
import io.zaps.executor.run.RunState;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.trace.TraceHeaders;
import io.opentelemetry.context.Context;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What the processor's spans are named and continue, and what trace its state and records carry on: pure functions of
 * a command, its record's headers and its run's state. The span itself is {@link RunTracing}'s.
 */
final class CommandTracing {
    private CommandTracing() {}

    /** The trace a command continues: the one its record carries, else the run's own (a record from a program that does not trace). */
    static Context parent(Headers headers, RunState state) {
        Context carried = TraceHeaders.extract(headers);
        if (TraceHeaders.hasSpan(carried) || state == null) {
            return carried;
        }
        return TraceHeaders.fromTraceparent(state.traceparent());
    }

    /** The command's name in snake case as on the wire ({@code StartRun}: {@code start_run}), for span names and log lines. */
    static String commandName(RunCommand command) {
        String name = command.getClass().getSimpleName();
        StringBuilder snake = new StringBuilder(name.length() + 4);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                snake.append('_');
            }
            snake.append(Character.toLowerCase(c));
        }
        return snake.toString();
    }

    /** The run's workflow, for the logging context: from its state, else from the starting command; null if neither names it. */
    static String workflowId(RunCommand command, RunState state) {
        if (state != null) {
            return state.run().workflowId();
        }
        return command instanceof StartRun start && start.workflow() != null ? start.workflow().id() : null;
    }

    /** The step a command is about, for the logging context; null for a command about the whole run. */
    static String stepId(RunCommand command) {
        if (command instanceof CompleteStep complete) {
            return complete.stepId();
        }
        if (command instanceof FireTimer fire) {
            return fire.stepId();
        }
        if (command instanceof ResumeStep resume) {
            return resume.stepId();
        }
        return null;
    }

    /** Headers carrying {@code span}'s trace context (none with tracing off). */
    static Headers headers(Context span) {
        return TraceHeaders.inject(span, new RecordHeaders());
    }

    /** The state keeping its run's trace: the first span that decided about it names the trace later commands continue. */
    static RunState traced(RunState state, RunTracing.RunScope trace) {
        if (state.traceparent() != null) {
            return state;
        }
        String traceparent = trace.traceparent();
        return traceparent == null ? state : state.withTraceparent(traceparent);
    }
}
