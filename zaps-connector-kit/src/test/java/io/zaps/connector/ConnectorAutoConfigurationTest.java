package io.zaps.connector;

import io.zaps.contract.command.ExecuteStep;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/** Wiring decisions that need no broker: nothing here starts a consumer. */
class ConnectorAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ZapsKafkaAutoConfiguration.class,
                    ConnectorAutoConfiguration.class))
            .withPropertyValues("zaps.kafka.create-topics=false", "spring.kafka.listener.auto-startup=false");

    @Test
    void staysOutOfAContextWithoutHandlers() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(StepListenerContainers.class));
    }

    @Test
    void failsFastOnTwoHandlersForOneType() {
        runner.withBean("first", StepHandler.class, () -> handler("email"))
                .withBean("second", StepHandler.class, () -> handler("email"))
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().hasMessageContaining("step type 'email' has two handlers"));
    }

    @Test
    void rejectsAnInvalidConcurrency() {
        runner.withBean("first", StepHandler.class, () -> handler("email"))
                .withPropertyValues("zaps.connector.concurrency=0")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("concurrency"));
    }

    private static StepHandler handler(String type) {
        return new StepHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public StepOutcome handle(ExecuteStep request) {
                return StepOutcome.succeeded(null);
            }
        };
    }
}
