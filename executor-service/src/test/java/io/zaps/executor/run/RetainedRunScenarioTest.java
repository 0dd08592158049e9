package io.zaps.executor.run;

import io.zaps.contract.SchemaVersions;
import io.zaps.contract.command.CancelRun;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.PauseRun;
import io.zaps.contract.command.RetryRun;
import io.zaps.contract.command.RunCommand;
import io.zaps.contract.event.RunEvent;
import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.executor.run.Decision.IgnoreReason;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.failed;
import static io.zaps.executor.run.Fixtures.fire;
import static io.zaps.executor.run.Fixtures.invoiceContext;
import static io.zaps.executor.run.Fixtures.invoiceReminder;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

/** What is kept of a finished run ({@link RunState#retained()}) is enough for every straggler to be ignored, and for retry_run. */
class RetainedRunScenarioTest {
    private static final Instant DONE = T0.plusSeconds(3);

    private static RunState finished(boolean ok) {
        RunState state = MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0).state();
        state = MACHINE.decide(stored(state), fire("delay_step", 1, T0.plusSeconds(2)), T0.plusSeconds(2)).state();
        RunCommand result = ok ? succeeded("send_reminder", 1, "{}") : failed("send_reminder", 1, "HTTP 404", null);
        return stored(MACHINE.decide(stored(state), result, DONE).state());
    }

    private static void assertIgnored(RunState state, RunCommand command, IgnoreReason reason) {
        Decision decision = MACHINE.decide(state, command, DONE.plusSeconds(60));
        assertThat(decision.wasIgnored()).as("%s ignored", command).isTrue();
        assertThat(decision.ignored().reason()).isEqualTo(reason);
        assertThat(decision.effects()).isEmpty();
    }

    @Test
    void aCompletedRunKeepsOnlyItsEssentialsAndIgnoresEverythingThatStillArrives() {
        RunState kept = stored(finished(true).retained());

        assertThat(kept.isRetired()).isTrue();
        assertThat(kept.workflow()).isNull();
        assertThat(kept.run().steps()).isEmpty();
        assertThat(kept.run().context()).isNull();
        assertThat(kept.run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(kept.run().revision()).isEqualTo(6);
        assertThat(kept.run().completedAt()).isEqualTo(DONE);
        assertThat(io.zaps.contract.Json.toBytes(kept).length).as("small").isLessThan(600);

        assertIgnored(kept, start(invoiceReminder(), invoiceContext()), IgnoreReason.DUPLICATE_START);
        assertIgnored(kept, succeeded("send_reminder", 1, "{}"), IgnoreReason.RUN_FINAL);
        assertIgnored(kept, fire("delay_step", 1, T0.plusSeconds(2)), IgnoreReason.RUN_FINAL);
        assertIgnored(kept, new FireTimer(SchemaVersions.CURRENT, RUN_ID, "send_reminder", 1, DONE, FireTimer.Kind.ATTEMPT_TIMEOUT), IgnoreReason.RUN_FINAL);
        assertIgnored(kept, new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, null), IgnoreReason.RUN_FINAL);
        assertIgnored(kept, new PauseRun(SchemaVersions.CURRENT, RUN_ID, T0, null), IgnoreReason.RUN_FINAL);
        assertIgnored(kept, new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null), IgnoreReason.WRONG_STATUS);
        assertThat(kept.retained()).isSameAs(kept);
    }

    @Test
    void aCancelledRunsEssentialsAreNotMistakenForACancelThatOvertookItsStart() {
        RunState running = MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0).state();
        RunState cancelled = stored(MACHINE.decide(stored(running), new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0).state());
        RunState kept = stored(cancelled.retained());

        assertThat(kept.isRetired()).isTrue();
        assertIgnored(kept, start(invoiceReminder(), invoiceContext()), IgnoreReason.DUPLICATE_START);

        RunState overtaken = stored(MACHINE.decide(null, new CancelRun(SchemaVersions.CURRENT, RUN_ID, T0, null), T0).state());
        assertThat(overtaken.retained()).as("the early cancel is kept as it is").isSameAs(overtaken);
        Decision late = MACHINE.decide(stored(overtaken.retained()), start(invoiceReminder(), invoiceContext()), T0.plusSeconds(1));
        assertThat(late.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_CANCELLED);
    }

    @Test
    void aFailedRunIsKeptWholeSoThatRetryRunResumesIt() {
        RunState failedRun = finished(false);
        RunState kept = stored(failedRun.retained());

        assertThat(kept).isEqualTo(failedRun);
        Decision retried = MACHINE.decide(kept, new RetryRun(SchemaVersions.CURRENT, RUN_ID, T0, null), DONE.plusSeconds(60));
        assertThat(retried.events()).extracting(RunEvent::type).containsExactly(RunEventType.RUN_RETRIED, RunEventType.STEP_STARTED);
        assertThat(retried.state().run().steps().get("send_reminder").attempt()).isEqualTo(2);
    }
}
