package io.zaps.contract;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each step type's default attempt timeout, as the README's step table documents it. */
class StepDefaultTimeoutTest {
    private final StepTypes types = StepTypes.discover();

    private int defaultOf(String type) {
        return types.find(type).map(StepSpec::defaultTimeoutSeconds).orElseThrow();
    }

    @Test
    void eachTypeDeclaresItsDocumentedDefault() {
        assertThat(defaultOf("webhook")).isEqualTo(30);
        assertThat(defaultOf("email")).isEqualTo(30);
        assertThat(defaultOf("pdf_extract")).isEqualTo(60);
    }

    @Test
    void aTypeThatSaysNothingGetsTheCommonDefault() {
        assertThat(defaultOf("delay")).isEqualTo(StepSpec.DEFAULT_TIMEOUT_SECONDS).isEqualTo(30);
    }
}
