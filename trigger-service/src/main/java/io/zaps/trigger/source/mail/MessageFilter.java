package io.zaps.trigger.source.mail;

import io.zaps.contract.trigger.EmailTrigger;

import java.util.Locale;

/** The trigger's {@code from_filter} and {@code subject_filter}: case-insensitive "contains". Pure. */
final class MessageFilter {
    private MessageFilter() {}

    /**
     * @param from    the From header as shown (names and addresses), or null
     * @param subject the decoded subject, or null
     */
    static boolean passes(EmailTrigger trigger, String from, String subject) {
        return contains(from, trigger.fromFilter()) && contains(subject, trigger.subjectFilter());
    }

    private static boolean contains(String value, String filter) {
        if (filter == null || filter.isEmpty()) {
            return true;
        }
        return value != null && value.toLowerCase(Locale.ROOT).contains(filter.toLowerCase(Locale.ROOT));
    }
}
