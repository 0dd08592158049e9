package io.zaps.trigger.source.mail;

import io.zaps.store.StoreException;
import io.zaps.store.UnsafeIdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MailboxCursorsTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    @TempDir
    Path dataDir;

    @Test
    void a_cursor_is_one_json_file_per_workflow_under_the_data_folder() throws Exception {
        MailboxCursors cursors = new MailboxCursors(dataDir);
        assertThat(cursors.read("wf")).isEmpty();

        cursors.write("wf", new MailboxCursor("u@h/INBOX", 7, 42, T));

        Path file = dataDir.resolve("triggers/mailboxes/wf.json");
        assertThat(Files.readString(file)).contains("\"mailbox\":\"u@h/INBOX\"", "\"uid_validity\":7", "\"last_uid\":42");
        assertThat(new MailboxCursors(dataDir).read("wf")).contains(new MailboxCursor("u@h/INBOX", 7, 42, T));
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left").containsExactly(file);
        }
    }

    @Test
    void advance_never_moves_a_cursor_back_within_one_folder_generation() {
        MailboxCursors cursors = new MailboxCursors(dataDir);
        cursors.write("wf", new MailboxCursor("u@h/INBOX", 7, 42, T));

        assertThat(cursors.advance("wf", new MailboxCursor("u@h/INBOX", 7, 40, T)).lastUid()).isEqualTo(42);
        assertThat(cursors.read("wf").orElseThrow().lastUid()).isEqualTo(42);
        assertThat(cursors.advance("wf", new MailboxCursor("u@h/INBOX", 7, 43, T)).lastUid()).isEqualTo(43);
        // a new generation replaces it, even with lower numbers
        assertThat(cursors.advance("wf", new MailboxCursor("u@h/INBOX", 8, 2, T)).lastUid()).isEqualTo(2);
        assertThat(cursors.read("wf").orElseThrow().uidValidity()).isEqualTo(8);
    }

    @Test
    void a_corrupt_cursor_fails_naming_the_file_and_unsafe_ids_are_refused() throws Exception {
        MailboxCursors cursors = new MailboxCursors(dataDir);
        Files.writeString(dataDir.resolve("triggers/mailboxes/broken.json"), "{not json");

        assertThatThrownBy(() -> cursors.read("broken")).isInstanceOf(StoreException.class).hasMessageContaining("broken.json");
        assertThatThrownBy(() -> cursors.read("../escape")).isInstanceOf(UnsafeIdException.class);
    }
}
