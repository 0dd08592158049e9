package io.zaps.executor.run;

import io.zaps.contract.event.RunEventType;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.invoiceContext;
import static io.zaps.executor.run.Fixtures.invoiceReminder;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

class ValidWorkflowsTest {
    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());
    private final List<WorkflowDefinition> validated = new ArrayList<>();
    private final ValidWorkflows valid = new ValidWorkflows(definition -> {
        validated.add(definition);
        return validator.validate(definition);
    });

    private static WorkflowDefinition withUrl(String url) {
        return workflow("hook", "notify", step("notify", "webhook", "{\"url\": \"" + url + "\", \"body\": {\"n\": \"{{ n }}\"}}", null));
    }

    @Test
    void aDefinitionEqualToOneThatPassedIsNotValidatedAgain() {
        assertThat(valid.violations(invoiceReminder())).isEmpty();
        assertThat(valid.violations(invoiceReminder())).isEmpty(); // a new, equal object: every trigger pins its own
        assertThat(validated).hasSize(1);
    }

    @Test
    void aDefinitionThatDiffersAnywhereIsValidatedInFullAndAnInvalidOneEveryTime() {
        assertThat(valid.violations(withUrl("http://127.0.0.1:8001/a"))).isEmpty();
        List<Violation> bad = valid.violations(withUrl("ftp://127.0.0.1/a"));
        assertThat(bad).isNotEmpty().isEqualTo(validator.validate(withUrl("ftp://127.0.0.1/a")));
        assertThat(valid.violations(withUrl("ftp://127.0.0.1/a"))).isEqualTo(bad);
        assertThat(validated).hasSize(3);
    }

    @Test
    void changingTheCallersObjectAfterwardsCannotMakeAnInvalidDefinitionPass() {
        WorkflowDefinition definition = withUrl("http://127.0.0.1:8001/a");
        assertThat(valid.violations(definition)).isEmpty();
        // Step configs are mutable JSON: the remembered key is a private copy, so this edit makes a different definition.
        definition.steps().get(0).config().put("url", "ftp://127.0.0.1/a");

        assertThat(valid.violations(definition)).isNotEmpty();
    }

    @Test
    void theMachineStillRejectsAnInvalidWorkflowAfterStartingAValidOne() {
        assertThat(MACHINE.decide(null, start(invoiceReminder(), invoiceContext()), T0).state().run().status()).isEqualTo(RunStatus.RUNNING);
        WorkflowDefinition broken = workflow("invoice_reminder", "missing", step("delay_step", "delay", "{\"seconds\": 2}", null));

        Decision decision = MACHINE.decide(null, start(broken, json("{}")), T0);

        assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(decision.events()).extracting(e -> e.type()).containsExactly(RunEventType.RUN_REJECTED);
        assertThat(decision.state().run().error()).contains("is not valid");
    }
}
