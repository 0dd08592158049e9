package io.zaps.connector;

import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.step.StepTypes;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StepHandlerRegistryTest {
    private final StepTypes stepTypes = StepTypes.discover();

    @Test
    void registersHandlersByType() {
        StepHandlerRegistry registry = new StepHandlerRegistry(List.of(handler("webhook"), handler("email")), stepTypes);

        assertThat(registry.types()).containsExactly("webhook", "email");
        assertThat(registry.find("email")).isPresent();
        assertThat(registry.find("delay")).isEmpty();
    }

    @Test
    void failsFastOnTwoHandlersForOneType() {
        assertThatThrownBy(() -> new StepHandlerRegistry(List.of(handler("webhook"), handler("webhook")), stepTypes))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("step type 'webhook' has two handlers");
    }

    @Test
    void failsFastOnATypeNoStepSpecDeclares() {
        assertThatThrownBy(() -> new StepHandlerRegistry(List.of(handler("sms")), stepTypes))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("type 'sms' but no StepSpec declares it")
                .hasMessageContaining("META-INF/services/io.zaps.contract.step.StepSpec");
    }

    @Test
    void failsFastOnATypeTheExecutorRunsItself() {
        assertThatThrownBy(() -> new StepHandlerRegistry(List.of(handler("delay")), stepTypes))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("executor runs it itself");
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
