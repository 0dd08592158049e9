package io.zaps.local.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FixedPhaseTest {

    @Test
    void entriesWithoutADurationTakeTheDefault() {
        assertThat(FixedPhase.parse("50:60, 50:60,400,1000:20", 15)).containsExactly(
                new FixedPhase(50, 60), new FixedPhase(50, 60), new FixedPhase(400, 15), new FixedPhase(1000, 20));
    }

    @Test
    void emptyEntriesAreSkipped() {
        assertThat(FixedPhase.parse("50,,", 20)).containsExactly(new FixedPhase(50, 20));
        assertThat(FixedPhase.parse("", 20)).isEmpty();
    }

    @Test
    void aBadEntryIsNamed() {
        assertThatThrownBy(() -> FixedPhase.parse("50,fast", 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'fast'");
        assertThatThrownBy(() -> FixedPhase.parse("50:0", 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'50:0'");
        assertThatThrownBy(() -> FixedPhase.parse("50:10:2", 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'50:10:2'");
        assertThatThrownBy(() -> FixedPhase.parse("-5", 20))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'-5'");
    }
}
