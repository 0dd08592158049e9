package io.zaps.kafka.view;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What a view keeps and which of its keys a subclass asks for; records applied by hand, no broker, no I/O. */
class CompactedTopicViewTest {

    /** Values "key:version"; the higher version wins, as on the versioned topics. */
    private static final class VersionView extends CompactedTopicView<String> {
        VersionView() {
            super("test.topic", suffix -> null, Duration.ZERO);
        }

        @Override
        protected String read(byte[] value) {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        protected String keyOf(String value) {
            return value.substring(0, value.indexOf(':'));
        }

        @Override
        protected String newer(String kept, String incoming) {
            return version(incoming) >= version(kept) ? incoming : kept;
        }

        static int version(String value) {
            return Integer.parseInt(value.substring(value.indexOf(':') + 1));
        }

        void record(String key, String value) {
            apply(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void keysWhereNamesTheKeysWhoseKeptValuePassesInKeyOrder() {
        VersionView view = new VersionView();
        view.record("c", "c:2");
        view.record("a", "a:1");
        view.record("b", "b:3");
        view.record("b", "b:0"); // an older record read late: b:3 is kept
        view.record("d", "d:1");
        view.record("d", null); // a tombstone forgets d

        assertThat(view.keysWhere(value -> true)).containsExactly("a", "b", "c");
        assertThat(view.keysWhere(value -> VersionView.version(value) > 1)).containsExactly("b", "c");
        assertThat(view.keysWhere(value -> false)).isEmpty();
    }
}
