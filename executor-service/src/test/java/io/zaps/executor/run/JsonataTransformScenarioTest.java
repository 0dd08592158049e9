package io.zaps.executor.run;

import io.zaps.contract.run.RunStatus;
import io.zaps.contract.run.StepStatus;
import io.zaps.contract.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;

import static io.zaps.executor.run.Fixtures.MACHINE;
import static io.zaps.executor.run.Fixtures.T0;
import static io.zaps.executor.run.Fixtures.json;
import static io.zaps.executor.run.Fixtures.start;
import static io.zaps.executor.run.Fixtures.step;
import static io.zaps.executor.run.Fixtures.stored;
import static io.zaps.executor.run.Fixtures.succeeded;
import static io.zaps.executor.run.Fixtures.workflow;
import static org.assertj.core.api.Assertions.assertThat;

/** A transform's JSONata expression, through whole runs: its value over the run's data is the output; a bound hit fails the step. */
class JsonataTransformScenarioTest {
    private static final String ORDER = """
            {"order_id": "A-1", "items": [{"id": "p1", "price": 2.5, "qty": 2}, {"id": "p2", "price": 10, "qty": 3}]}""";

    @Test
    void theExpressionsValueOverTheRunsDataIsTheStepsOutput() {
        WorkflowDefinition wf = workflow("j", "fetch",
                step("fetch", "webhook", "{\"url\": \"http://127.0.0.1:9/stock\"}", "lines"),
                step("lines", "transform", """
                        {"expression": "{\\"order\\": order_id, \\"lines\\": items.{\\"id\\": id, \\"total\\": price * qty}, \\"sum\\": $sum(items.(price * qty)), \\"stock\\": steps.fetch.output.body.left, \\"at\\": $now()}"}""",
                        null));
        RunState state = stored(MACHINE.decide(null, start(wf, json(ORDER)), T0).state());
        Decision last = MACHINE.decide(state, succeeded("fetch", 1, "{\"status\": 200, \"body\": {\"left\": 7}}"), T0.plusSeconds(1));

        assertThat(last.state().run().status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(last.state().run().steps().get("lines").output()).isEqualTo(json("""
                {"order": "A-1", "lines": [{"id": "p1", "total": 5}, {"id": "p2", "total": 30}], "sum": 35, "stock": 7,
                 "at": "2026-01-02T03:04:06.000Z"}"""));
    }

    @Test
    void anExpressionStoppedByItsBoundsFailsTheStepPermanentlyNamingTheField() {
        WorkflowDefinition wf = workflow("loop", "spin",
                step("spin", "transform", "{\"expression\": \"($f := function($x) { $f($x + 1) }; $f(0))\"}", null));
        long started = System.nanoTime();
        Decision decision = MACHINE.decide(null, start(wf, json(ORDER)), T0);

        assertThat(System.nanoTime() - started).isLessThan(3_000_000_000L);
        assertThat(decision.state().run().status()).isEqualTo(RunStatus.FAILED);
        assertThat(decision.state().run().steps().get("spin").status()).isEqualTo(StepStatus.FAILED);
        assertThat(decision.state().run().steps().get("spin").error())
                .isEqualTo("cannot evaluate config.expression: evaluation took longer than 1000 ms");
        assertThat(decision.state().run().steps().get("spin").attempts()).hasSize(1);
    }
}
