package io.zaps.executor.run;

import io.zaps.contract.Json;
import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.command.Subscribe;
import io.zaps.contract.command.SubscriptionCommand;
import io.zaps.contract.command.Unsubscribe;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepAttempt;
import io.zaps.contract.run.StepState;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code wait_for_event} driven through whole runs (issue 14): waiting, resumed by its resume URL's token or
 * by an event's key, timing out either way, and cancel, pause and retry around it. The test keeps the timers
 * and subscriptions as the shell would (each decision's effects add and remove them) and checks after every
 * applied decision that the timers are exactly those derived from the stored state.
 */
class WaitForEventScenarioTest {
    private static final byte[] KEY = new byte[32];

    static {
        Arrays.fill(KEY, (byte) 7);
    }

    private static final ResumeLinks LINKS = new ResumeLinks("https://zaps.example.com/", KEY);
    private static final RunStateMachine MACHINE = new RunStateMachine(StepTypes.discover(), Duration.ofSeconds(5),
            (run, step, attempt) -> 0.0, RunLimits.DEFAULT, LINKS);

    private RunState state;
    private Decision last;
    private final Set<Effect.ScheduleTimer> timers = new LinkedHashSet<>();
    private final Set<List<Object>> subscriptions = new LinkedHashSet<>();

    /** Wait up to an hour for the order's approval, then confirm it with the approval's data. */
    private static WorkflowDefinition approval(String onTimeout) {
        return workflow("approve", "approval",
                step("approval", "wait_for_event", """
                        {"key": "order-{{ order_id }}", "timeout_seconds": 3600, "on_timeout": "%s"}""".formatted(onTimeout), "confirm"),
                step("confirm", "webhook", """
                        {"url": "http://127.0.0.1:9/confirm", "body": {"by": "{{ steps.approval.output.approver | default('nobody') }}"}}""", null));
    }

    private Decision run(RunCommand command, Instant at) {
        last = MACHINE.decide(state, command, at);
        if (last.wasIgnored()) {
            return last;
        }
        state = stored(last.state());
        for (Effect effect : last.effects()) {
            if (effect instanceof Effect.ScheduleTimer timer) {
                timers.add(timer);
            } else if (effect instanceof Effect.CancelTimer cancel) {
                assertThat(timers.remove(new Effect.ScheduleTimer(cancel.runId(), cancel.stepId(), cancel.attempt(), cancel.dueAt(), cancel.kind())))
                        .as("cancels a scheduled timer: %s", cancel).isTrue();
            } else if (effect instanceof SubscriptionEffect s && s.command() instanceof Subscribe sub) {
                subscriptions.add(id(sub));
            } else if (effect instanceof SubscriptionEffect s && s.command() instanceof Unsubscribe unsub) {
                subscriptions.remove(id(unsub));
            }
        }
        assertThat(timers).as("the timers the stored state derives").containsExactlyInAnyOrderElementsOf(MACHINE.pendingTimers(state));
        return last;
    }

    private static List<Object> id(SubscriptionCommand command) {
        return List.of(command.key(), command.runId(), command.stepId(), command.attempt());
    }

    /** The shell fires a timer: it leaves the index, then the machine decides. */
    private Decision fire(Effect.ScheduleTimer timer, Instant at) {
        timers.remove(timer);
        return run(new FireTimer(SchemaVersions.CURRENT, timer.runId(), timer.stepId(), timer.attempt(), timer.dueAt(), timer.kind()), at);
    }

    private StepState stepOf(String id) {
        return state.run().steps().get(id);
    }

    private String tokenShown() {
        return WaitForEventSpec.tokenOf(stepOf("approval").output().get("resume_url").stringValue());
    }

    private static ResumeStep byUrl(int attempt, String token, String data) {
        return new ResumeStep(SchemaVersions.CURRENT, RUN_ID, "approval", attempt, ResumeStep.Source.RESUME_URL, token, null,
                data == null ? null : json(data), null, T0);
    }

    private static ResumeStep byEvent(int attempt, String key, String data) {
        return new ResumeStep(SchemaVersions.CURRENT, RUN_ID, "approval", attempt, ResumeStep.Source.EVENT, null, key,
                json(data), "evt-9", T0);
    }

    private void startWaiting(String onTimeout) {
        run(start(approval(onTimeout), json("{\"order_id\": \"A-1\"}")), T0);
    }

    @Test
    void enteringTheStepWaitsOnItsKeyShowsTheResumeUrlAndSubscribes() {
        startWaiting("fail");
        StepState waiting = stepOf("approval");
        assertThat(waiting.status()).isEqualTo(StepStatus.RUNNING);
        assertThat(waiting.input()).isEqualTo(json("{\"key\": \"order-A-1\", \"timeout_seconds\": 3600, \"on_timeout\": \"fail\"}"));
        String token = LINKS.runToken(RUN_ID, "approval");
        assertThat(waiting.output()).isEqualTo(json("""
                {"waiting_for": "order-A-1",
                 "resume_url": "https://zaps.example.com/hooks/runs/%s/steps/approval/resume?token=%s",
                 "timeout_at": "2026-01-02T04:04:05Z"}""".formatted(RUN_ID, token)));
        assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+").isNotEqualTo(LINKS.runToken(RUN_ID, "confirm"))
                .isNotEqualTo(new ResumeLinks("https://zaps.example.com/", new byte[32]).runToken(RUN_ID, "approval"));
        assertThat(last.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_STARTED, RunEventType.STEP_STARTED);
        assertThat(last.effects()).noneMatch(Effect.DispatchStep.class::isInstance);
        assertThat(last.effects()).contains(
                new Effect.ScheduleTimer(RUN_ID, "approval", 1, T0.plusSeconds(3600), FireTimer.Kind.ATTEMPT_TIMEOUT),
                new SubscriptionEffect(new Subscribe(SchemaVersions.CURRENT, "order-A-1", RUN_ID, "approval", 1, T0.plusSeconds(3600))));
        assertThat(new RunStateMachine(StepTypes.discover(), Duration.ofSeconds(5), (r, s, a) -> 0.0, RunLimits.DEFAULT,
                new ResumeLinks("https://zaps.example.com", KEY)).decide(null, start(approval("fail"), json("{\"order_id\": \"A-1\"}")), T0).state())
                .as("the same decision again (a replay)").isEqualTo(last.state());
    }

    @Test
    void itsResumeUrlResumesItWithTheBodyAsOutputAndTheRunGoesOn() {
        startWaiting("fail");
        String token = tokenShown();
        run(byUrl(1, token, "{\"approver\": \"ada\", \"ok\": true}"), T0.plusSeconds(60));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(stepOf("approval").output()).isEqualTo(json("{\"approver\": \"ada\", \"ok\": true}"));
        assertThat(stepOf("approval").attempts()).extracting(StepAttempt::outcome).containsExactly(StepAttempt.Outcome.SUCCEEDED);
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(last.effects()).filteredOn(Effect.DispatchStep.class::isInstance).singleElement()
                .satisfies(d -> assertThat(((Effect.DispatchStep) d).request().config().at("/body/by").stringValue()).isEqualTo("ada"));
        assertThat(subscriptions).as("the URL's resume unsubscribes").isEmpty();
        assertThat(last.events()).extracting(RunEvent::type).containsExactly(RunEventType.STEP_SUCCEEDED, RunEventType.STEP_STARTED);

        assertThat(run(byUrl(1, token, "{}"), T0.plusSeconds(61)).ignored().reason())
                .as("a second call changes nothing").isEqualTo(IgnoreReason.STEP_NOT_RUNNING);
    }

    @Test
    void aWrongOrMissingTokenIsIgnored() {
        startWaiting("fail");
        String token = tokenShown();
        String otherRun = new ResumeLinks("https://zaps.example.com", KEY).token("00000000-0000-4000-8000-000000000000", "approval", 1);
        for (String wrong : Arrays.asList(null, "", token.substring(1), token.toUpperCase(), otherRun, LINKS.token(RUN_ID, "approval", 2))) {
            Decision ignored = run(byUrl(1, wrong, "{}"), T0.plusSeconds(5));
            assertThat(ignored.ignored().reason()).as("token %s", wrong).isEqualTo(IgnoreReason.NOT_APPLICABLE);
            assertThat(ignored.ignored().detail()).contains("token");
        }
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(run(byUrl(2, token, "{}"), T0.plusSeconds(5)).ignored().reason()).as("another attempt").isEqualTo(IgnoreReason.STALE_ATTEMPT);
        assertThat(run(new ResumeStep(SchemaVersions.CURRENT, RUN_ID, "confirm", 0, ResumeStep.Source.EVENT, null, "order-A-1",
                json("{}"), null, T0), T0.plusSeconds(5)).wasIgnored()).as("a step that is not waiting").isTrue();
    }

    @Test
    void anEventWithItsKeyResumesItWithTheEventsData() {
        startWaiting("fail");
        assertThat(run(byEvent(1, "order-A-2", "{}"), T0.plusSeconds(1)).ignored().detail()).contains("waits for 'order-A-1'");
        run(byEvent(1, "order-A-1", "{\"approver\": \"grace\"}"), T0.plusSeconds(2));
        assertThat(stepOf("approval").output()).isEqualTo(json("{\"approver\": \"grace\"}"));
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(last.effects()).as("the correlation already dropped the subscription it delivered")
                .noneMatch(SubscriptionEffect.class::isInstance);
    }

    @Test
    void theTimeoutFailsTheStepAndTheRunWithOnTimeoutFail() {
        startWaiting("fail");
        Effect.ScheduleTimer timeout = timers.iterator().next();
        assertThat(MACHINE.decide(state, new FireTimer(SchemaVersions.CURRENT, RUN_ID, "approval", 1, timeout.dueAt(), timeout.kind()),
                T0.plusSeconds(3599)).ignored().reason()).isEqualTo(IgnoreReason.NOT_DUE);
        assertThat(run(byEvent(1, "order-A-1", "{}"), T0.plusSeconds(3600)).ignored().detail())
                .as("an event after the timeout, before its timer fired").contains("timed out");

        fire(timeout, T0.plusSeconds(3600).plusMillis(50));
        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(state.run().error()).isEqualTo("step 'approval' failed: no event for key 'order-A-1' within 3600 s");
        assertThat(stepOf("approval").attempts()).extracting(StepAttempt::outcome).containsExactly(StepAttempt.Outcome.TIMED_OUT);
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(subscriptions).isEmpty();
        assertThat(timers).isEmpty();
    }

    @Test
    void theTimeoutContinuesWithTimedOutTrueWithOnTimeoutContinue() {
        startWaiting("continue");
        fire(timers.iterator().next(), T0.plusSeconds(3601));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(stepOf("approval").output()).isEqualTo(json("{\"timed_out\": true}"));
        assertThat(stepOf("approval").attempts()).extracting(StepAttempt::outcome).containsExactly(StepAttempt.Outcome.TIMED_OUT);
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(subscriptions).isEmpty();
    }

    @Test
    void cancellingAWaitingRunCancelsItsTimeoutAndIgnoresALateResume() {
        startWaiting("fail");
        String token = tokenShown();
        run(new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, "no longer needed"), T0.plusSeconds(10));
        assertThat(state.run().status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(timers).isEmpty();
        assertThat(subscriptions).as("left to expire: an event meanwhile makes an ignored resume_step").hasSize(1);
        assertThat(run(byUrl(1, token, "{}"), T0.plusSeconds(11)).ignored().reason()).isEqualTo(IgnoreReason.RUN_FINAL);
        assertThat(run(byEvent(1, "order-A-1", "{}"), T0.plusSeconds(11)).ignored().reason()).isEqualTo(IgnoreReason.RUN_FINAL);
    }

    @Test
    void aPausedRunTakesItsEventButStartsTheNextStepOnlyOnResume() {
        startWaiting("fail");
        run(new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(1));
        run(byEvent(1, "order-A-1", "{\"approver\": \"ada\"}"), T0.plusSeconds(2));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(state.run().status()).isEqualTo(RunStatus.PAUSED);
        assertThat(stepOf("confirm").status()).as("held by the pause").isEqualTo(StepStatus.PENDING);
        assertThat(last.effects()).noneMatch(Effect.DispatchStep.class::isInstance);

        run(new ResumeRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(3));
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(last.effects()).filteredOn(Effect.DispatchStep.class::isInstance).hasSize(1);
    }

    @Test
    void aPausedRunTakesItsTimeoutTooAndAResumedRunGoesOnFromIt() {
        startWaiting("continue");
        run(new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(1));
        fire(timers.iterator().next(), T0.plusSeconds(3600));
        assertThat(stepOf("approval").output()).isEqualTo(json("{\"timed_out\": true}"));
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.PENDING);
        run(new ResumeRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(4000));
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
    }

    @Test
    void retryRunWaitsAgainUnderTheSameUrlWhichResumesThatWaitOnce() {
        startWaiting("fail");
        String first = tokenShown();
        fire(timers.iterator().next(), T0.plusSeconds(3600));
        run(new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(4000));
        assertThat(stepOf("approval").attempt()).isEqualTo(2);
        assertThat(tokenShown()).as("a link mailed before the wait still resumes the retried wait").isEqualTo(first);
        assertThat(subscriptions).containsExactly(List.of("order-A-1", RUN_ID, "approval", 2));
        assertThat(run(byUrl(1, first, "{}"), T0.plusSeconds(4001)).ignored().reason()).isEqualTo(IgnoreReason.STALE_ATTEMPT);
        assertThat(run(byUrl(2, LINKS.token(RUN_ID, "approval", 2), "{}"), T0.plusSeconds(4001)).ignored().reason())
                .as("an attempt's token is not the run's").isEqualTo(IgnoreReason.NOT_APPLICABLE);
        run(byUrl(2, first, null), T0.plusSeconds(4002));
        assertThat(stepOf("confirm").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(stepOf("approval").output()).as("no body: an empty object").isEqualTo(json("{}"));
        assertThat(state.run().status()).isEqualTo(RunStatus.RUNNING);
        assertThat(run(byUrl(2, first, "{}"), T0.plusSeconds(4003)).ignored().reason()).as("once per wait")
                .isEqualTo(IgnoreReason.STEP_NOT_RUNNING);
    }

    /** Mail the approver the link first, then wait for the click (issue 14): the URL is known from the run's start. */
    private static final WorkflowDefinition MAIL_THEN_WAIT = workflow("mail_then_wait", "mail",
            step("mail", "webhook", """
                    {"url": "http://127.0.0.1:9/mail", "body": {"to": "boss@example.com",
                     "text": "Approve order {{ order_id }}: {{ run.resume_urls.approval }}"}}""", "approval"),
            step("approval", "wait_for_event", "{\"key\": \"order-{{ order_id }}\", \"timeout_seconds\": 3600}", "confirm"),
            step("confirm", "webhook", "{\"url\": \"http://127.0.0.1:9/confirm\", \"body\": {\"by\": \"{{ steps.approval.output.by }}\"}}", null));

    @Test
    void aStepBeforeTheWaitSendsItsResumeUrlAndAPostToThatUrlResumesTheWait() {
        run(start(MAIL_THEN_WAIT, json("{\"order_id\": \"A-1\"}")), T0);
        String url = "https://zaps.example.com/hooks/runs/" + RUN_ID + "/steps/approval/resume?token=" + LINKS.runToken(RUN_ID, "approval");
        assertThat(state.run().resumeUrls()).as("in the snapshot from the start").containsExactly(java.util.Map.entry("approval", url));
        assertThat(LINKS.runToken(RUN_ID, "approval")).hasSize(43).isNotEqualTo(LINKS.token(RUN_ID, "approval", 1))
                .isNotEqualTo(LINKS.runToken(RUN_ID, "confirm"));
        assertThat(last.effects()).filteredOn(Effect.DispatchStep.class::isInstance).singleElement()
                .satisfies(d -> assertThat(((Effect.DispatchStep) d).request().config().at("/body/text").stringValue())
                        .isEqualTo("Approve order A-1: " + url));

        run(Fixtures.succeeded("mail", 1, "{\"status\": 202}"), T0.plusSeconds(1));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.RUNNING);
        assertThat(stepOf("approval").output().path("resume_url").stringValue()).as("the wait shows the URL that was mailed").isEqualTo(url);

        String mailed = WaitForEventSpec.tokenOf(url);
        run(byUrl(1, mailed, "{\"by\": \"ada\"}"), T0.plusSeconds(60));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.COMPLETED);
        assertThat(last.effects()).filteredOn(Effect.DispatchStep.class::isInstance).singleElement()
                .satisfies(d -> assertThat(((Effect.DispatchStep) d).request().config().at("/body/by").stringValue()).isEqualTo("ada"));
        assertThat(subscriptions).isEmpty();
    }

    @Test
    void aRunStartedBeforeResumeUrlsWereFixedAtStartKeepsAUrlPerAttempt() {
        run(start(approval("fail"), json("{\"order_id\": \"A-1\"}")), T0);
        fire(timers.iterator().next(), T0.plusSeconds(3600));
        // As an older executor stored it: no resume_urls in the snapshot.
        var old = state.run();
        state = stored(state.withRun(new io.zaps.contract.run.RunSnapshot(old.runId(), old.workflowId(), old.workflowVersion(), old.status(),
                old.createdAt(), old.startedAt(), old.completedAt(), old.updatedAt(), old.context(), old.steps(), old.currentStepId(),
                old.error(), old.revision(), old.parent())));
        run(new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0.plusSeconds(4000));
        assertThat(tokenShown()).isEqualTo(LINKS.token(RUN_ID, "approval", 2));
        run(byUrl(2, tokenShown(), "{}"), T0.plusSeconds(4001));
        assertThat(stepOf("approval").status()).isEqualTo(StepStatus.COMPLETED);
    }

    @Test
    void aLoopIterationSeesTheResumeUrlsOfItsOwnWaitsUnderItsOwnRunId() {
        WorkflowDefinition loop = workflow("ask_each", "each",
                step("each", "for_each", "{\"items\": \"{{ approvers }}\", \"body\": \"ask\"}", null),
                step("ask", "webhook", "{\"url\": \"http://127.0.0.1:9/ask\", \"body\": {\"to\": \"{{ item }}\", \"link\": \"{{ run.resume_urls.answer }}\"}}",
                        "answer"),
                step("answer", "wait_for_event", "{\"key\": \"answer-{{ run.id }}\"}", null));
        run(start(loop, json("{\"approvers\": [\"ada\"]}")), T0);
        assertThat(state.run().resumeUrls()).as("the body's wait runs in the child, not here").isEmpty();
        io.zaps.contract.command.StartRun child = last.effects().stream().filter(Effect.SendCommand.class::isInstance)
                .map(e -> (io.zaps.contract.command.StartRun) ((Effect.SendCommand) e).command()).findFirst().orElseThrow();
        Decision started = MACHINE.decide(null, child, T0);
        String childUrl = LINKS.runUrl(child.runId(), "answer");
        assertThat(started.state().run().resumeUrls()).containsExactly(java.util.Map.entry("answer", childUrl));
        assertThat(started.effects()).filteredOn(Effect.DispatchStep.class::isInstance).singleElement()
                .satisfies(d -> assertThat(((Effect.DispatchStep) d).request().config().at("/body/link").stringValue()).isEqualTo(childUrl));
    }

    @Test
    void aKeyThatRendersEmptyFailsTheStepAtOnce() {
        run(start(workflow("empty", "w", step("w", "wait_for_event", "{\"key\": \"{{ missing_or_blank }}\"}", null)),
                json("{\"missing_or_blank\": \"\"}")), T0);
        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(state.run().error()).contains("config.key must not be empty");
        assertThat(last.effects()).noneMatch(SubscriptionEffect.class::isInstance);
    }

    @Test
    void dataOverTheStepLimitFailsTheStep() {
        startWaiting("fail");
        JsonNode big = Json.object().put("blob", "x".repeat(RunLimits.DEFAULT.maxStepBytes()));
        run(new ResumeStep(SchemaVersions.CURRENT, RUN_ID, "approval", 1, ResumeStep.Source.EVENT, null, "order-A-1", big, null, T0),
                T0.plusSeconds(1));
        assertThat(state.run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(stepOf("approval").error()).contains("bytes, more than the");
        assertThat(new String(Json.toBytes(state), StandardCharsets.UTF_8)).doesNotContain("xxxxxxxxxx");
    }
}
