package io.zaps.trigger.source.mail;

import io.zaps.contract.trigger.EmailTrigger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure rules of the email trigger: where a poll starts, the filters, the backoff, the event ids. */
class MailboxRulesTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static final EmailTrigger TRIGGER = new EmailTrigger("imap.example.com", 993, "tls", "invoices@example.com", "imap",
            "INBOX", null, null, 30);
    private static final String MAILBOX = MailEventIds.mailbox(TRIGGER);

    @Test
    void a_new_mailbox_starts_after_the_messages_already_there() {
        MailboxPlan.Start start = MailboxPlan.start(Optional.empty(), MAILBOX, 7, 42, false, T);

        assertThat(start.cursor()).isEqualTo(new MailboxCursor(MAILBOX, 7, 42, T));
        assertThat(start.persist()).isTrue();
        assertThat(start.reason()).isEqualTo(MailboxPlan.Reason.NEW_MAILBOX);
    }

    @Test
    void a_new_mailbox_starts_before_them_with_start_from_earliest() {
        MailboxPlan.Start start = MailboxPlan.start(Optional.empty(), MAILBOX, 7, 42, true, T);

        assertThat(start.cursor().lastUid()).isZero();
        assertThat(start.persist()).isTrue();
    }

    @Test
    void a_known_mailbox_continues_after_its_cursor() {
        MailboxCursor stored = new MailboxCursor(MAILBOX, 7, 40, T.minusSeconds(60));

        MailboxPlan.Start start = MailboxPlan.start(Optional.of(stored), MAILBOX, 7, 42, true, T);

        assertThat(start.cursor()).isEqualTo(stored);
        assertThat(start.persist()).isFalse();
        assertThat(start.reason()).isNull();
    }

    @Test
    void a_changed_uidvalidity_skips_every_message_now_in_the_folder_even_from_earliest() {
        MailboxCursor stored = new MailboxCursor(MAILBOX, 7, 40, T.minusSeconds(60));

        MailboxPlan.Start start = MailboxPlan.start(Optional.of(stored), MAILBOX, 8, 3, true, T);

        assertThat(start.cursor()).isEqualTo(new MailboxCursor(MAILBOX, 8, 3, T));
        assertThat(start.persist()).isTrue();
        assertThat(start.reason()).isEqualTo(MailboxPlan.Reason.UIDVALIDITY_CHANGED);
    }

    @Test
    void a_trigger_that_names_another_mailbox_starts_afresh() {
        MailboxCursor stored = new MailboxCursor("other@imap.example.com/INBOX", 7, 40, T.minusSeconds(60));

        MailboxPlan.Start start = MailboxPlan.start(Optional.of(stored), MAILBOX, 7, 42, false, T);

        assertThat(start.cursor()).isEqualTo(new MailboxCursor(MAILBOX, 7, 42, T));
        assertThat(start.reason()).isEqualTo(MailboxPlan.Reason.NEW_MAILBOX);
    }

    @Test
    void a_cursor_only_moves_forward() {
        MailboxCursor cursor = new MailboxCursor(MAILBOX, 7, 40, T);

        assertThat(cursor.advancedTo(41, T).lastUid()).isEqualTo(41);
        assertThat(cursor.advancedTo(12, T).lastUid()).isEqualTo(40);
    }

    @Test
    void filters_match_case_insensitively_anywhere_in_from_and_subject() {
        EmailTrigger filtered = new EmailTrigger("h", 143, "none", "u", "s", "INBOX", "@ACME.com", "invoice", 30);

        assertThat(MessageFilter.passes(filtered, "Billing <billing@acme.com>", "Your INVOICE 42")).isTrue();
        assertThat(MessageFilter.passes(filtered, "Billing <billing@other.com>", "Your invoice 42")).isFalse();
        assertThat(MessageFilter.passes(filtered, "billing@acme.com", "Hello")).isFalse();
        assertThat(MessageFilter.passes(filtered, null, "invoice")).isFalse();
        assertThat(MessageFilter.passes(TRIGGER, null, null)).isTrue();
    }

    @Test
    void failures_back_off_from_the_poll_interval_to_the_cap() {
        Duration max = Duration.ofMinutes(5);

        assertThat(PollBackoff.next(30, 0, max)).isEqualTo(Duration.ofSeconds(30));
        assertThat(PollBackoff.next(30, 1, max)).isEqualTo(Duration.ofSeconds(30));
        assertThat(PollBackoff.next(30, 2, max)).isEqualTo(Duration.ofSeconds(60));
        assertThat(PollBackoff.next(30, 4, max)).isEqualTo(Duration.ofSeconds(240));
        assertThat(PollBackoff.next(30, 5, max)).isEqualTo(max);
        assertThat(PollBackoff.next(30, 1000, max)).isEqualTo(max);
        assertThat(PollBackoff.next(3600, 3, max)).as("never more often than poll_seconds").isEqualTo(Duration.ofHours(1));
    }

    @Test
    void event_ids_name_workflow_mailbox_uidvalidity_and_uid_and_fit_a_trigger_record() {
        assertThat(MailEventIds.eventId("wf", TRIGGER, 7, 42))
                .isEqualTo(EmailTrigger.eventId("wf", "imap.example.com", "invoices@example.com", "INBOX", 7, 42))
                .isEqualTo("imap:wf:invoices@example.com@imap.example.com/INBOX:7:42");

        EmailTrigger longNames = new EmailTrigger("imap.example.com", 993, "tls", "u".repeat(150), "imap", "F".repeat(100), null, null, 30);
        String id = MailEventIds.eventId("wf", longNames, 7, 42);
        assertThat(id).startsWith("imap-sha256:").hasSizeLessThanOrEqualTo(MailEventIds.MAX_EVENT_ID);
        assertThat(MailEventIds.eventId("wf", longNames, 7, 42)).isEqualTo(id);
        assertThat(MailEventIds.eventId("wf", longNames, 7, 43)).isNotEqualTo(id);
    }
}
