package io.zaps.gateway.run;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.ResumeRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepState;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.store.FileStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RunControlApiTest extends GatewayTestSupport {
    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    /** A run snapshot in the file store, as the projector would have written it. */
    private static String storedRun(RunStatus status) {
        // Ended a minute ago: well within the retry window.
        return storedRun(status, Instant.now().minusSeconds(60));
    }

    private static String storedRun(RunStatus status, Instant ended) {
        String runId = UUID.randomUUID().toString();
        Map<String, StepState> steps = new LinkedHashMap<>();
        StepState send = StepState.pending("send", "webhook").running(1, Json.object(), T0);
        steps.put("send", status == RunStatus.FAILED ? send.failed("HTTP 404", null, ended) : send);
        RunSnapshot run = new RunSnapshot(runId, "control", 1, status, T0, T0, status.isFinal() ? ended : null, T0,
                Json.object(), steps, "send", status == RunStatus.FAILED ? "step 'send' failed: HTTP 404" : null, 3);
        assertThat(new FileStore(DATA_DIR).saveRunIfNewer(run)).isTrue();
        return runId;
    }

    private RunCommand published(String runId, Class<? extends RunCommand> type) {
        ConsumerRecord<String, byte[]> record = awaitRecord(Topics.RUN_COMMANDS,
                r -> runId.equals(r.key()) && type.isInstance(Json.read(r.value(), RunCommand.class)), Duration.ofSeconds(30));
        RunCommand command = Json.read(record.value(), RunCommand.class);
        assertThat(command.runId()).isEqualTo(runId);
        assertThat(command.schemaVersion()).isEqualTo(1);
        return command;
    }

    private void assertAccepted(Response response, String runId, RunStatus status) {
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        assertThat(response.json().get("run_id").stringValue()).isEqualTo(runId);
        assertThat(response.json().get("status").stringValue()).isEqualTo(status.wireName());
    }

    @Test
    void eachEndpointPublishesItsCommandKeyedByRunId() {
        String running = storedRun(RunStatus.RUNNING);
        assertAccepted(post("/api/runs/" + running + "/pause", null), running, RunStatus.RUNNING);
        assertThat(published(running, PauseRun.class)).isInstanceOf(PauseRun.class);
        assertAccepted(post("/api/runs/" + running + "/cancel", null), running, RunStatus.RUNNING);
        CancelRun cancel = (CancelRun) published(running, CancelRun.class);
        assertThat(cancel.requestedAt()).isNotNull();

        String paused = storedRun(RunStatus.PAUSED);
        assertAccepted(post("/api/runs/" + paused + "/resume", null), paused, RunStatus.PAUSED);
        published(paused, ResumeRun.class);
        assertAccepted(post("/api/runs/" + paused + "/cancel", null), paused, RunStatus.PAUSED);
        published(paused, CancelRun.class);

        String pending = storedRun(RunStatus.PENDING);
        assertAccepted(post("/api/runs/" + pending + "/cancel", null), pending, RunStatus.PENDING);
        published(pending, CancelRun.class);

        String failed = storedRun(RunStatus.FAILED);
        assertAccepted(post("/api/runs/" + failed + "/retry", null), failed, RunStatus.FAILED);
        published(failed, RetryRun.class);
    }

    @Test
    void transitionsTheRunsStatusDoesNotAllowAreConflicts() {
        String completed = storedRun(RunStatus.COMPLETED);
        String cancelled = storedRun(RunStatus.CANCELLED);
        String running = storedRun(RunStatus.RUNNING);
        String paused = storedRun(RunStatus.PAUSED);
        String pending = storedRun(RunStatus.PENDING);
        String[][] illegal = {
                {completed, "retry", "completed"}, {completed, "cancel", "completed"}, {completed, "pause", "completed"},
                {cancelled, "cancel", "cancelled"}, {cancelled, "resume", "cancelled"}, {cancelled, "retry", "cancelled"},
                {running, "resume", "running"}, {running, "retry", "running"},
                {paused, "pause", "paused"}, {pending, "pause", "pending"}, {pending, "resume", "pending"}};
        for (String[] c : illegal) {
            Response response = post("/api/runs/" + c[0] + "/" + c[1], null);
            assertProblem(response, 409, null);
            assertThat(response.json().get("run_status").stringValue()).as(c[1] + " " + c[2]).isEqualTo(c[2]);
            assertThat(response.json().get("detail").stringValue()).contains(c[1]).contains(c[2]);
        }

        String rejected = UUID.randomUUID().toString();
        new FileStore(DATA_DIR).saveRunIfNewer(new RunSnapshot(rejected, "control", 1, RunStatus.FAILED, T0, null, T0, T0,
                Json.object(), Map.of(), null, "workflow 'control' does not exist", 1));
        Response noStep = post("/api/runs/" + rejected + "/retry", null);
        assertProblem(noStep, 409, null);
        assertThat(noStep.json().get("detail").stringValue()).contains("before any step");
    }

    @Test
    void aRunThatFailedLongerAgoThanTheRetryWindowCannotBeRetried() {
        String old = storedRun(RunStatus.FAILED, Instant.now().minus(Duration.ofDays(8)));
        Response response = post("/api/runs/" + old + "/retry", null);
        assertProblem(response, 409, null);
        assertThat(response.json().get("run_status").stringValue()).isEqualTo("failed");
        assertThat(response.json().get("detail").stringValue()).contains("retry window", "7 days");
    }

    @Test
    void unknownAndMalformedRunIds() {
        for (String action : new String[] {"cancel", "pause", "resume", "retry"}) {
            assertProblem(post("/api/runs/" + UUID.randomUUID() + "/" + action, null), 404, null);
            assertProblem(post("/api/runs/not-a-uuid/" + action, null), 400, "run_id");
        }
    }
}
