package io.zaps.executor.run;

import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.FireTimer;
import io.zaps.contract.command.ResumeStep;
import io.zaps.contract.command.StartRun;
import org.junit.jupiter.api.Test;

import static io.zaps.executor.run.Fixtures.RUN_ID;
import static io.zaps.executor.run.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunCommandChecksTest {

    @Test
    void acceptsWellFormedCommands() {
        assertThat(RunCommandChecks.validated(Fixtures.start(Fixtures.invoiceReminder(), Fixtures.invoiceContext()))).isNotNull();
        assertThat(RunCommandChecks.validated(Fixtures.succeeded("a", 1, null))).isNotNull();
        assertThat(RunCommandChecks.validated(Fixtures.fire("a", 1, T0))).isNotNull();
        assertThat(RunCommandChecks.validated(new ResumeStep(1, RUN_ID, "w", 1, ResumeStep.Source.RESUME_URL, "t", null, null, null, T0))).isNotNull();
    }

    @Test
    void rejectsWhatCanNeverBecomeValid() {
        assertThatThrownBy(() -> RunCommandChecks.validated(new FireTimer(2, RUN_ID, "a", 1, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("schema_version 2");
        assertThatThrownBy(() -> RunCommandChecks.validated(new FireTimer(1, "../etc", "a", 1, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("run_id");
        assertThatThrownBy(() -> RunCommandChecks.validated(new StartRun(1, RUN_ID, null, null, null, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("workflow");
        assertThatThrownBy(() -> RunCommandChecks.validated(new CompleteStep(1, RUN_ID, "a", 0, null, CompleteStep.Outcome.SUCCEEDED, null, null, false, T0, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("attempt");
        assertThatThrownBy(() -> RunCommandChecks.validated(new CompleteStep(1, RUN_ID, "a", 1, null, null, null, null, false, T0, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("outcome");
        assertThatThrownBy(() -> RunCommandChecks.validated(new FireTimer(1, RUN_ID, null, 1, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("step_id");
        assertThatThrownBy(() -> RunCommandChecks.validated(new ResumeStep(1, RUN_ID, "w", 0, ResumeStep.Source.EVENT, null, "k", null, null, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("resume_step needs an attempt");
        assertThatThrownBy(() -> RunCommandChecks.validated(new ResumeStep(1, RUN_ID, "w", 1, null, null, "k", null, null, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("source");
        assertThatThrownBy(() -> RunCommandChecks.validated(new ResumeStep(3, RUN_ID, "w", 1, ResumeStep.Source.EVENT, null, "k", null, null, T0)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("resume_step has unsupported schema_version 3");
    }
}
