package io.zaps.gateway.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ApiKeysTest {

    @Test
    void noKeysMeansOpen() {
        assertThat(new ApiKeys(List.of()).enabled()).isFalse();
    }

    @Test
    void acceptsOnlyConfiguredKeysExactly() {
        ApiKeys keys = new ApiKeys(List.of("alpha-key", "beta-key"));
        assertThat(keys.enabled()).isTrue();
        assertThat(keys.accepts("alpha-key")).isTrue();
        assertThat(keys.accepts("beta-key")).isTrue();
        assertThat(keys.accepts("alpha-ke")).isFalse();
        assertThat(keys.accepts("alpha-key ")).isFalse();
        assertThat(keys.accepts("ALPHA-KEY")).isFalse();
        assertThat(keys.accepts("")).isFalse();
        assertThat(keys.accepts(null)).isFalse();
    }
}
