package io.zaps.trigger.source.cursor;

import io.zaps.contract.Json;
import io.zaps.trigger.source.mail.MailboxCursor;
import io.zaps.trigger.source.schedule.ScheduleCursor;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which of two cursors of a workflow stands on zaps.trigger-cursors: the pure rule, no Kafka. */
class TriggerCursorTest {
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

    private static TriggerCursor schedule(String cron, Instant lastTick, boolean active, Instant updatedAt) {
        return TriggerCursor.of(new ScheduleCursor("wf", cron, "UTC", CREATED, lastTick, active, updatedAt));
    }

    private static TriggerCursor mailbox(String name, long uidValidity, long lastUid, Instant updatedAt) {
        return TriggerCursor.of("wf", new MailboxCursor(name, uidValidity, lastUid, updatedAt));
    }

    @Test
    void the_later_tick_of_the_same_schedule_wins_whenever_it_was_written() {
        TriggerCursor at10 = schedule("* * * * * *", T.plusSeconds(10), true, T.plusSeconds(10));
        TriggerCursor at9LateWrite = schedule("* * * * * *", T.plusSeconds(9), true, T.plusSeconds(30));

        assertThat(TriggerCursor.newer(at10, at9LateWrite)).isSameAs(at10);
        assertThat(TriggerCursor.newer(at9LateWrite, at10)).isSameAs(at10);
        assertThat(TriggerCursor.newer(null, at10)).isSameAs(at10);
    }

    @Test
    void at_the_same_tick_the_later_write_wins_and_a_repeat_changes_nothing() {
        TriggerCursor active = schedule("* * * * * *", T, true, T);
        TriggerCursor paused = schedule("* * * * * *", T, false, T.plusSeconds(5));

        assertThat(TriggerCursor.newer(active, paused)).isSameAs(paused);
        assertThat(TriggerCursor.newer(paused, active)).isSameAs(paused);
        TriggerCursor repeat = schedule("* * * * * *", T, true, T);
        assertThat(TriggerCursor.newer(active, repeat)).as("a tie keeps what is kept").isSameAs(active);
    }

    @Test
    void a_changed_schedule_is_decided_by_the_later_write() {
        TriggerCursor old = schedule("* * * * * *", T.plusSeconds(100), true, T.plusSeconds(100));
        TriggerCursor changed = schedule("0 0 * * * *", T.plusSeconds(50), true, T.plusSeconds(101));
        assertThat(TriggerCursor.newer(old, changed)).isSameAs(changed);
        assertThat(TriggerCursor.newer(changed, old)).isSameAs(changed);
    }

    @Test
    void the_higher_uid_of_the_same_folder_generation_wins_and_a_new_generation_by_its_later_write() {
        TriggerCursor uid42 = mailbox("u@h/INBOX", 7, 42, T);
        TriggerCursor uid40Late = mailbox("u@h/INBOX", 7, 40, T.plusSeconds(60));
        assertThat(TriggerCursor.newer(uid42, uid40Late)).isSameAs(uid42);
        assertThat(TriggerCursor.newer(uid40Late, uid42)).isSameAs(uid42);

        TriggerCursor renumbered = mailbox("u@h/INBOX", 8, 2, T.plusSeconds(61));
        assertThat(TriggerCursor.newer(uid42, renumbered)).isSameAs(renumbered);
        assertThat(TriggerCursor.newer(renumbered, uid40Late)).as("an older generation written earlier").isSameAs(renumbered);
        TriggerCursor otherMailbox = mailbox("u@h/Orders", 1, 1, T.plusSeconds(62));
        assertThat(TriggerCursor.newer(renumbered, otherMailbox)).isSameAs(otherMailbox);
    }

    @Test
    void a_trigger_that_changed_kind_is_decided_by_the_later_write() {
        TriggerCursor schedule = schedule("* * * * * *", T, true, T);
        TriggerCursor mailbox = mailbox("u@h/INBOX", 7, 1, T.plusSeconds(1));
        assertThat(TriggerCursor.newer(schedule, mailbox)).isSameAs(mailbox);
        assertThat(TriggerCursor.newer(mailbox, schedule)).isSameAs(mailbox);
    }

    @Test
    void the_record_is_snake_case_json_and_is_checked() {
        TriggerCursor cursor = mailbox("u@h/INBOX", 7, 42, T);
        String json = new String(Json.toBytes(cursor));
        assertThat(json).contains("\"workflow_id\":\"wf\"", "\"mailbox\":{", "\"uid_validity\":7", "\"last_uid\":42");
        assertThat(Json.read(json.getBytes(), TriggerCursor.class).validated()).isEqualTo(cursor);

        assertThatThrownBy(() -> new TriggerCursor("wf", null, null).validated()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TriggerCursor("other", schedule("* * * * * *", T, true, T).schedule(), null).validated())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
