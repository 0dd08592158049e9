package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.Subscribe;
import io.zaps.contract.command.Unsubscribe;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.template.TemplateException;
import io.zaps.contract.template.Templates;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code wait_for_event}: the run waits durably until it is resumed ({@code resume_step}, {@link ResumeStepApplier})
 * or its timeout passes. Entering renders {@code key} and records the step running with input
 * {@code {key, timeout_seconds, on_timeout}} and, while it waits, output
 * {@code {"waiting_for": key, "resume_url": ..., "timeout_at": ...}}; it waits on an {@code attempt_timeout}
 * timer at {@code timeout_at} and asks the shell to subscribe the attempt to its key
 * ({@link SubscriptionEffect}). The resume URL is the one the run recorded for the step when it started
 * ({@code run.resume_urls}, so an earlier step could send it; {@link ResumeLinks}); its token is recorded in the
 * output and every {@code resume_step} from the URL is compared with it.
 *
 * <p>A resume succeeds the step with the data as its output; one from the URL also unsubscribes (an event's
 * subscription is dropped by the correlation that delivered it). The timeout fails the step
 * ({@code on_timeout: fail}) or succeeds it with {@code {"timed_out": true}} ({@code continue}), and
 * unsubscribes; never retried. While the run is paused the step keeps waiting and takes its resume or
 * timeout as an external attempt takes its result: recorded, the next step held until {@code resume_run}.
 * A cancelled run cancels the timer and leaves the subscription to expire (an event meanwhile resumes
 * nothing: its {@code resume_step} is ignored).
 */
final class WaitForEventStep implements StepKind {
    private final StepFlow flow;
    private final RunLimits limits;
    private final ResumeLinks links;

    WaitForEventStep(StepFlow flow, RunLimits limits, ResumeLinks links) {
        this.flow = flow;
        this.limits = limits;
        this.links = links;
    }

    @Override
    public void startAttempt(Transition t, StepDefinition definition, int attempt, ObjectNode config) {
        String key;
        try {
            key = Templates.renderString(config.path("key").asString(""), TemplateData.of(t.run), "config.key");
        } catch (TemplateException e) {
            flow.failAtStart(t, definition, attempt, config, "cannot render " + e.getMessage());
            return;
        } catch (RuntimeException | StackOverflowError e) {
            flow.failAtStart(t, definition, attempt, config, "cannot render config.key: " + e);
            return;
        }
        String problem = WaitForEventSpec.keyProblem(key);
        if (problem != null) {
            flow.failAtStart(t, definition, attempt, config, "config.key " + problem + " once rendered");
            return;
        }
        JsonNode timeout = config.get("timeout_seconds");
        long seconds = WaitForEventSpec.DEFAULT_TIMEOUT_SECONDS;
        if (timeout != null && !timeout.isNull()) {
            if (!timeout.isIntegralNumber() || !timeout.canConvertToLong()
                    || timeout.longValue() < 1 || timeout.longValue() > WaitForEventSpec.MAX_TIMEOUT_SECONDS) {
                flow.failAtStart(t, definition, attempt, config,
                        "config.timeout_seconds must be an integer from 1 to " + WaitForEventSpec.MAX_TIMEOUT_SECONDS);
                return;
            }
            seconds = timeout.longValue();
        }
        String onTimeout = config.path("on_timeout").asString(WaitForEventSpec.ON_TIMEOUT_FAIL).toLowerCase(Locale.ROOT);
        if (!onTimeout.equals(WaitForEventSpec.ON_TIMEOUT_FAIL) && !onTimeout.equals(WaitForEventSpec.ON_TIMEOUT_CONTINUE)) {
            flow.failAtStart(t, definition, attempt, config, "config.on_timeout must be fail or continue");
            return;
        }
        ObjectNode input = Json.object();
        input.put("key", key);
        // An int (at most a year) so the input equals its own JSON round trip.
        input.put("timeout_seconds", Math.toIntExact(seconds));
        input.put("on_timeout", onTimeout);
        String runId = t.run.runId;
        Instant timeoutAt = t.now.plusSeconds(seconds);
        ObjectNode waiting = Json.object();
        waiting.put("waiting_for", key);
        // The URL fixed at the run's start (run.resume_urls), the same for every wait of the step; a run started
        // before those existed gets one per attempt, as it always did.
        String fixed = t.run.resumeUrls.get(definition.id());
        waiting.put("resume_url", fixed != null ? fixed : links.url(runId, definition.id(), attempt));
        waiting.put("timeout_at", timeoutAt.toString());
        StepState started = t.run.step(definition.id()).running(attempt, input, t.now).withAttempt(StepAttempt.started(attempt, t.now));
        t.run.put(new StepState(started.stepId(), started.type(), StepStatus.RUNNING, attempt, input, t.now, null, null, waiting,
                started.attempts(), null));
        t.commit(RunEventType.STEP_STARTED, definition.id());
        t.effects.add(attemptTimer(runId, definition, t.run.step(definition.id())));
        t.effects.add(new SubscriptionEffect(new Subscribe(SchemaVersions.CURRENT, key, runId, definition.id(), attempt, timeoutAt)));
    }

    @Override
    public boolean takesResults() {
        return false;
    }

    /** The wait's timeout: an {@code attempt_timeout} timer at its start plus {@code timeout_seconds}. */
    @Override
    public Effect.ScheduleTimer attemptTimer(String runId, StepDefinition definition, StepState step) {
        return new Effect.ScheduleTimer(runId, step.stepId(), step.attempt(), timeoutAt(step), FireTimer.Kind.ATTEMPT_TIMEOUT);
    }

    @Override
    public Decision onTimer(RunState state, StepState step, FireTimer.Kind kind, Instant now) {
        if (kind != FireTimer.Kind.ATTEMPT_TIMEOUT) {
            return null;
        }
        Instant timeoutAt = timeoutAt(step);
        if (now.isBefore(timeoutAt)) {
            return Decision.ignored(state, IgnoreReason.NOT_DUE,
                    "the wait of step '" + step.stepId() + "' times out at " + timeoutAt + ", not yet at " + now);
        }
        Transition t = new Transition(state, now);
        t.effects.add(unsubscribe(t.run.runId, step));
        String reason = "no event for key '" + key(step) + "' within " + seconds(step) + " s";
        StepState timedOut = StepFlow.endAttempt(step, StepAttempt.Outcome.TIMED_OUT, reason, false, now);
        if (WaitForEventSpec.ON_TIMEOUT_CONTINUE.equals(step.input().path("on_timeout").asString(""))) {
            flow.succeedStep(t, timedOut, Json.object().put("timed_out", true));
        } else {
            flow.failStep(t, timedOut, reason, null);
        }
        return t.decision();
    }

    @Override
    public void releaseHeld(Transition t, StepState step) {
        // Nothing is held: a paused run's waiting step takes its resume or timeout as it comes.
    }

    /**
     * {@code command} for the current attempt of waiting {@code step} (already checked): the step succeeds with
     * the command's data, unless the wait is over, or the token (resume URL) or key (event) is not the step's.
     */
    Decision resume(RunState state, StepState step, ResumeStep command, Instant now) {
        String what = ResumeStep.TYPE + " (" + (command.source() == null ? "?" : command.source().wireName()) + ") for step '"
                + step.stepId() + "'";
        if (!now.isBefore(timeoutAt(step))) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE, what + " after its wait timed out at " + timeoutAt(step));
        }
        if (command.source() == ResumeStep.Source.RESUME_URL) {
            String recorded = WaitForEventSpec.tokenOf(step.output() == null ? null : step.output().path("resume_url").asString(null));
            if (recorded == null || command.token() == null || !MessageDigest.isEqual(
                    recorded.getBytes(StandardCharsets.UTF_8), command.token().getBytes(StandardCharsets.UTF_8))) {
                return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE, what + " with a token that is not the step's");
            }
        } else if (!key(step).equals(command.key())) {
            return Decision.ignored(state, IgnoreReason.NOT_APPLICABLE, what + " with key '" + command.key()
                    + "', but the step waits for '" + key(step) + "'");
        }
        Transition t = new Transition(state, now);
        t.effects.add(StepFlow.cancel(attemptTimer(t.run.runId, t.definition(step.stepId()), step)));
        if (command.source() == ResumeStep.Source.RESUME_URL) {
            t.effects.add(unsubscribe(t.run.runId, step));
        }
        JsonNode data = command.data() == null || command.data().isNull() ? Json.object() : command.data();
        int size = Json.toBytes(data).length;
        if (size > limits.maxStepBytes()) {
            String reason = "the event's data is " + size + " bytes, more than the " + limits.maxStepBytes() + " a step may record";
            flow.failStep(t, StepFlow.endAttempt(step, StepAttempt.Outcome.FAILED, reason, false, now), reason, null);
        } else {
            flow.succeedStep(t, step, data);
        }
        return t.decision();
    }

    private static SubscriptionEffect unsubscribe(String runId, StepState step) {
        return new SubscriptionEffect(new Unsubscribe(SchemaVersions.CURRENT, key(step), runId, step.stepId(), step.attempt()));
    }

    private static Instant timeoutAt(StepState step) {
        return step.startTime().plusSeconds(seconds(step));
    }

    private static long seconds(StepState step) {
        JsonNode seconds = step.input() == null ? null : step.input().get("timeout_seconds");
        return seconds != null && seconds.canConvertToLong() ? seconds.longValue() : WaitForEventSpec.DEFAULT_TIMEOUT_SECONDS;
    }

    private static String key(StepState step) {
        return step.input() == null ? "" : step.input().path("key").asString("");
    }
}
