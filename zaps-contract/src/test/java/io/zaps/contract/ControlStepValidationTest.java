package io.zaps.contract;

import io.zaps.contract.step.StepTypes;
import io.zaps.contract.workflow.Violation;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowValidator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Save-time checks of filter, switch and transform steps and of the graph their paths make (issue 14). */
class ControlStepValidationTest {
    private final WorkflowValidator validator = new WorkflowValidator(StepTypes.discover());

    private List<Violation> validate(String steps, String entry) {
        return validator.validate(Json.read(("{\"id\": \"wf\", \"name\": \"wf\", \"entry_point\": \"" + entry + "\", \"steps\": " + steps + "}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), WorkflowDefinition.class));
    }

    private static final String HOOKS = """
            {"id": "big", "type": "webhook", "config": {"url": "http://127.0.0.1:9/big"}, "next_step_id": "done"},
            {"id": "small", "type": "webhook", "config": {"url": "http://127.0.0.1:9/small"}, "next_step_id": "done"},
            {"id": "done", "type": "transform", "config": {"output": {"total": "{{ amount * 2 }}", "text": "sum {{ amount }}"}}}""";

    @Test
    void filterSwitchAndTransformWithRejoiningPathsAreValid() {
        List<Violation> violations = validate("""
                [{"id": "only_paid", "type": "filter", "config": {"condition": "{{ paid }}"}, "next_step_id": "route"},
                 {"id": "route", "type": "switch", "config": {"cases": [{"when": "{{ amount > 1000 }}", "next_step_id": "big"}],
                   "default_next_step_id": "small"}},
                 %s]""".formatted(HOOKS), "only_paid");
        assertThat(violations).isEmpty();
    }

    @Test
    void badControlStepsAreRefusedNamingTheField() {
        List<Violation> violations = validate("""
                [{"id": "f", "type": "filter", "config": {"condition": "paid"}, "next_step_id": "route"},
                 {"id": "route", "type": "switch", "next_step_id": "big", "config": {"cases": [
                    {"when": "{{ amount > }}", "next_step_id": "big"}, {"when": "{{ a }}", "next_step_id": "nowhere"}, {"next_step_id": "small"}],
                   "default_next_step_id": "../x"}},
                 {"id": "t", "type": "transform", "config": {"output": {"p": "{{ secret('smtp') }}"}, "extra": 1}},
                 %s]""".formatted(HOOKS), "f");
        assertThat(violations).extracting(Violation::field).contains(
                "steps[0].config.condition",
                "steps[1].next_step_id",
                "steps[1].config.cases[0].when",
                "steps[1].config.cases[1].next_step_id",
                "steps[1].config.cases[2].when",
                "steps[1].config.default_next_step_id",
                "steps[2].config.output",
                "steps[2].config.extra");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[1].config.cases[1].next_step_id"))
                .extracting(Violation::message).containsExactly("refers to unknown step 'nowhere'");
    }

    @Test
    void aSwitchCaseThatLoopsBackIsACycle() {
        List<Violation> violations = validate("""
                [{"id": "route", "type": "switch", "config": {"cases": [{"when": "{{ again }}", "next_step_id": "call"}]}},
                 {"id": "call", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}, "next_step_id": "route"}]""", "route");
        assertThat(violations).extracting(Violation::message).anySatisfy(m -> assertThat(m).contains("cycle: route -> call -> route"));
    }

    @Test
    void forEachAndParallelOwnTheirChains() {
        assertThat(validate("""
                [{"id": "loop", "type": "for_each", "config": {"items": "{{ attachments }}", "body": "extract", "concurrency": 4},
                  "next_step_id": "both"},
                 {"id": "extract", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}, "next_step_id": "route"},
                 {"id": "route", "type": "switch", "config": {"cases": [{"when": "{{ item.big }}", "next_step_id": "big"}], "default_next_step_id": "small"}},
                 {"id": "big", "type": "transform", "config": {"output": {"big": true}}},
                 {"id": "small", "type": "transform", "config": {"output": {"big": false}}},
                 {"id": "both", "type": "parallel", "config": {"branches": ["a", "b"]}, "next_step_id": "end"},
                 {"id": "a", "type": "webhook", "config": {"url": "http://127.0.0.1:9/a"}},
                 {"id": "b", "type": "webhook", "config": {"url": "http://127.0.0.1:9/b"}},
                 {"id": "end", "type": "transform", "config": {"output": {"done": true}}}]""", "loop")).isEmpty();
    }

    @Test
    void aChainReachedFromOutsideOrSharedIsRefused() {
        List<Violation> violations = validate("""
                [{"id": "loop", "type": "for_each", "config": {"items": "{{ items }}", "body": "work", "max_items": 20000, "concurrency": 0},
                  "next_step_id": "work"},
                 {"id": "work", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x"}},
                 {"id": "both", "type": "parallel", "config": {"branches": ["a", "a", "ghost"]}},
                 {"id": "fan", "type": "parallel", "config": {"branches": ["a", "c"]}},
                 {"id": "a", "type": "webhook", "config": {"url": "http://127.0.0.1:9/a"}},
                 {"id": "c", "type": "webhook", "config": {"url": "http://127.0.0.1:9/c"}}]""", "loop");
        assertThat(violations).extracting(Violation::field).contains(
                "steps[0].config.body", "steps[0].config.max_items", "steps[0].config.concurrency",
                "steps[2].config.branches[1]", "steps[2].config.branches[2]");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[0].config.body")).extracting(Violation::message)
                .anySatisfy(m -> assertThat(m).contains("also reaches outside the for_each"));
        assertThat(violations).extracting(Violation::message).anySatisfy(m -> assertThat(m).contains("belongs to one chain"));
    }

    @Test
    void aTemplateMayNameOnlyStepsThatCanHaveRunBeforeIt() {
        List<Violation> violations = validate("""
                [{"id": "first", "type": "webhook", "config": {"url": "http://127.0.0.1:9/{{ steps.second.output.id }}"}, "next_step_id": "route"},
                 {"id": "route", "type": "switch", "config": {"cases": [{"when": "{{ steps.first.output.ok }}", "next_step_id": "left"}],
                   "default_next_step_id": "right"}},
                 {"id": "left", "type": "transform", "config": {"output": {"r": "{{ steps.right.output }}"}}, "next_step_id": "second"},
                 {"id": "right", "type": "transform", "config": {"output": {"f": "{{ steps.first.output }}"}}, "next_step_id": "second"},
                 {"id": "second", "type": "webhook", "config": {"url": "http://127.0.0.1:9/x", "body": {"me": "{{ steps.second.output }}"}},
                  "next_step_id": "loop"},
                 {"id": "loop", "type": "for_each", "config": {"items": "{{ steps.first.output.items }}", "body": "inner"}, "next_step_id": "last"},
                 {"id": "inner", "type": "transform", "config": {"output": {"outer": "{{ steps.second.output }}"}}},
                 {"id": "last", "type": "transform", "config": {"output": {"bad": "{{ steps.inner.output }}", "ok": "{{ steps.loop.output }}"}}}
                ]""", "first");
        assertThat(violations).extracting(Violation::field).containsExactlyInAnyOrder(
                "steps[0].config.url", "steps[2].config.output.r", "steps[4].config.body.me", "steps[7].config.output.bad");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[4].config.body.me")).extracting(Violation::message)
                .containsExactly("names steps.second, which cannot have run before step 'second' (it is this step)");
    }

    @Test
    void runResumeUrlsMayNameOnlyWaitForEventStepsOfTheSameRun() {
        List<Violation> violations = validate("""
                [{"id": "mail", "type": "webhook", "config": {"url": "http://127.0.0.1:9/mail", "body": {
                    "ok": "{{ run.resume_urls.approve }}", "hook": "{{ run.resume_urls.mail }}", "none": "{{ run.resume_urls.nobody }}",
                    "inner": "{{ run.resume_urls.inner_wait }}"}}, "next_step_id": "approve"},
                 {"id": "approve", "type": "wait_for_event", "config": {"key": "a-{{ run.id }}"}, "next_step_id": "loop"},
                 {"id": "loop", "type": "for_each", "config": {"items": "{{ items }}", "body": "ask"}},
                 {"id": "ask", "type": "webhook", "config": {"url": "http://127.0.0.1:9/ask", "body": {
                    "own": "{{ run.resume_urls.inner_wait }}", "outer": "{{ run.resume_urls.approve }}"}}, "next_step_id": "inner_wait"},
                 {"id": "inner_wait", "type": "wait_for_event", "config": {"key": "i-{{ index }}"}}
                ]""", "mail");
        assertThat(violations).extracting(Violation::field).containsExactlyInAnyOrder(
                "steps[0].config.body.hook", "steps[0].config.body.none", "steps[0].config.body.inner", "steps[3].config.body.outer");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[0].config.body.hook")).extracting(Violation::message)
                .containsExactly("names run.resume_urls.mail, but 'mail' is not a wait_for_event step");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[0].config.body.none")).extracting(Violation::message)
                .containsExactly("names run.resume_urls.nobody, but 'nobody' is not a wait_for_event step (there is no such step)");
        assertThat(violations).filteredOn(v -> v.field().equals("steps[3].config.body.outer")).extracting(Violation::message)
                .singleElement().asString().contains("runs in another run than step 'ask'");
    }
}
