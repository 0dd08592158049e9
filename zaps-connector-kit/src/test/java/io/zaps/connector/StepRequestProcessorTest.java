package io.zaps.connector;

import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.MalformedRecordException;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.ExecuteStep;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepRequestProcessorTest {
    private static final String RUN = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void answersASucceededStepWithTheRequestsIdentity() {
        StepRequestProcessor processor = processor(request -> StepOutcome.succeeded(Json.object().put("echo", request.config().get("x").stringValue())));

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 2, NOW.plusSeconds(60))));

        assertThat(answer.schemaVersion()).isEqualTo(1);
        assertThat(answer.runId()).isEqualTo(RUN);
        assertThat(answer.stepId()).isEqualTo("notify");
        assertThat(answer.attempt()).isEqualTo(2);
        assertThat(answer.idempotencyKey()).isEqualTo(Ids.idempotencyKey(RUN, "notify", 2));
        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.SUCCEEDED);
        assertThat(answer.output().get("echo").stringValue()).isEqualTo("y");
        assertThat(answer.error()).isNull();
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.startedAt()).isEqualTo(NOW);
        assertThat(answer.finishedAt()).isEqualTo(NOW);
    }

    @Test
    void carriesAFailuresReasonRetryabilityAndOutput() {
        StepRequestProcessor processor = processor(request -> StepOutcome.failed("HTTP 503", true, Json.object().put("status_code", 503)));

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 1, null)));

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.error()).isEqualTo("HTTP 503");
        assertThat(answer.retryable()).isTrue();
        assertThat(answer.output().get("status_code").intValue()).isEqualTo(503);
    }

    @Test
    void aHandlerThatThrowsFailsTheStepPermanentlyWithItsMessage() {
        StepRequestProcessor processor = processor(request -> {
            throw new IllegalStateException("boom");
        });

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 1, null)));

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.error()).contains("boom");
        assertThat(answer.retryable()).isFalse();
        assertThat(answer.output()).isNotNull();
    }

    @Test
    void aHandlerThatOverflowsItsStackFailsTheStepInsteadOfStoppingTheConnector() {
        StepRequestProcessor processor = processor(request -> {
            throw new StackOverflowError();
        });

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 1, null)));

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.error()).isEqualTo("webhook connector failed: StackOverflowError while handling the step");
        assertThat(answer.retryable()).isFalse();
    }

    @Test
    void aHandlerThatReturnsNothingFailsTheStep() {
        CompleteStep answer = processor(request -> null).process(RUN, Json.toBytes(request("webhook", 1, null)));

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.retryable()).isFalse();
    }

    @Test
    void anExpiredRequestIsNotExecuted() {
        StepRequestProcessor processor = processor(request -> {
            throw new AssertionError("must not run");
        });

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 1, NOW.minusSeconds(1))));

        assertThat(answer.outcome()).isEqualTo(CompleteStep.Outcome.FAILED);
        assertThat(answer.error()).contains("expired");
        assertThat(answer.retryable()).isTrue();
    }

    @Test
    void aRequestExactlyAtItsDeadlineIsNotAttemptedEither() {
        StepRequestProcessor processor = processor(request -> {
            throw new AssertionError("must not run");
        });

        CompleteStep answer = processor.process(RUN, Json.toBytes(request("webhook", 1, NOW)));

        assertThat(answer.error()).startsWith("not attempted");
        assertThat(answer.retryable()).isTrue();
    }

    @Test
    void aRetryAfterHintOfARetryableFailureTravelsInWholeSecondsRoundedUp() {
        CompleteStep hinted = processor(request -> StepOutcome.failed("HTTP 429", true, null, Duration.ofMillis(2_300)))
                .process(RUN, Json.toBytes(request("webhook", 1, null)));
        assertThat(hinted.retryAfterSeconds()).isEqualTo(3L);

        CompleteStep permanent = processor(request -> StepOutcome.failed("HTTP 400", false, null, Duration.ofSeconds(5)))
                .process(RUN, Json.toBytes(request("webhook", 1, null)));
        assertThat(permanent.retryAfterSeconds()).as("a permanent failure is never retried").isNull();

        CompleteStep plain = processor(request -> StepOutcome.retryable("HTTP 503"))
                .process(RUN, Json.toBytes(request("webhook", 1, null)));
        assertThat(plain.retryAfterSeconds()).isNull();
    }

    @Test
    void theBudgetIsTheConfiguredTimeoutCutToTheDeadline() {
        Duration thirty = Duration.ofSeconds(30);
        assertThat(StepDeadline.budget(request("webhook", 1, null), thirty, clock)).isEqualTo(thirty);
        assertThat(StepDeadline.budget(request("webhook", 1, NOW.plusSeconds(60)), thirty, clock)).isEqualTo(thirty);
        assertThat(StepDeadline.budget(request("webhook", 1, NOW.plusMillis(2_500)), thirty, clock)).isEqualTo(Duration.ofMillis(2_500));
        assertThat(StepDeadline.budget(request("webhook", 1, NOW.minusSeconds(1)), thirty, clock)).isNegative();
        assertThat(StepDeadline.expired(request("webhook", 1, NOW), NOW)).isTrue();
        assertThat(StepDeadline.expired(request("webhook", 1, NOW.plusMillis(1)), NOW)).isFalse();
        assertThat(StepDeadline.expired(request("webhook", 1, null), NOW)).isFalse();
    }

    @Test
    void longErrorsAreCut() {
        CompleteStep answer = processor(request -> StepOutcome.permanent("x".repeat(10_000)))
                .process(RUN, Json.toBytes(request("webhook", 1, null)));

        assertThat(answer.error()).hasSize(StepRequestProcessor.MAX_ERROR_LENGTH).endsWith("...");
    }

    @Test
    void rejectsRecordsItCannotRead() {
        StepRequestProcessor processor = processor(request -> StepOutcome.succeeded(null));

        assertThatThrownBy(() -> processor.process(RUN, "{not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedRecordException.class);
        assertThatThrownBy(() -> processor.process(RUN, null))
                .isInstanceOf(MalformedRecordException.class);
        assertThatThrownBy(() -> processor.process("another-key", Json.toBytes(request("webhook", 1, null))))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("keyed by run id");
        assertThatThrownBy(() -> processor.process(RUN, Json.toBytes(request("email", 1, null))))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("step_type email");
        assertThatThrownBy(() -> processor.process(RUN, Json.toBytes(request("webhook", 0, null))))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("attempt 0");
        ObjectNode newer = (ObjectNode) Json.valueToTree(request("webhook", 1, null));
        newer.put("schema_version", 99);
        assertThatThrownBy(() -> processor.process(RUN, Json.toBytes(newer)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("schema_version 99");
        ObjectNode noStep = (ObjectNode) Json.valueToTree(request("webhook", 1, null));
        noStep.remove("step_id");
        assertThatThrownBy(() -> processor.process(RUN, Json.toBytes(noStep)))
                .isInstanceOf(MalformedRecordException.class).hasMessageContaining("no step_id");
    }

    private StepRequestProcessor processor(Function<ExecuteStep, StepOutcome> handle) {
        return new StepRequestProcessor(new StepHandler() {
            @Override
            public String type() {
                return "webhook";
            }

            @Override
            public StepOutcome handle(ExecuteStep request) {
                return handle.apply(request);
            }
        }, clock);
    }

    private static ExecuteStep request(String type, int attempt, Instant deadline) {
        return new ExecuteStep(1, RUN, "wf", "notify", type, attempt, Ids.idempotencyKey(RUN, "notify", attempt),
                Json.object().put("x", "y"), NOW.minusSeconds(1), deadline);
    }
}
