package io.zaps.trigger.source.mail;

import io.zaps.contract.Ids;
import io.zaps.contract.Topics;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.secret.TopicSecrets;
import io.zaps.store.AttachmentStore;
import io.zaps.store.FileStore;
import io.zaps.trigger.TriggerProperties;
import io.zaps.trigger.source.cursor.CursorTopic;
import io.zaps.trigger.source.WorkflowOwnership;
import io.zaps.trigger.workflow.WorkflowCatalog;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The email trigger: IMAP mailboxes of the workflows this instance owns, polled into {@link Topics#TRIGGERS}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MailProperties.class)
class MailTriggerConfiguration {

    /** Where received attachments go; steps read them by ref from the same data folder. */
    @Bean
    AttachmentStore mailAttachmentStore(TriggerProperties properties) {
        return new AttachmentStore(properties.dataDir());
    }

    @Bean
    MailboxCursors mailboxCursors(CursorTopic triggerCursors, TriggerProperties properties) {
        return new MailboxCursors(triggerCursors, properties.dataDir());
    }

    @Bean
    MailboxPoll mailboxPoll(TopicSecrets triggerSecrets, MailboxCursors cursors, AttachmentStore mailAttachmentStore,
                            RecordPublisher publisher, WorkflowOwnership ownership, MailProperties mail,
                            TriggerProperties properties, Clock triggerClock) {
        long timeoutMs = properties.publishTimeout().toMillis();
        MailboxPoll.TriggerSink sink = trigger ->
                publisher.sendAndWait(Topics.TRIGGERS, Ids.runIdForEvent(trigger.eventId()), trigger, timeoutMs);
        return new MailboxPoll(triggerSecrets, cursors, new MessageContent(mailAttachmentStore, mail), sink, ownership,
                mail, triggerClock);
    }

    @Bean
    MailboxPoller mailboxPoller(WorkflowCatalog catalog, WorkflowOwnership ownership,
                                MailboxPoll poll, MailProperties mail) {
        return new MailboxPoller(catalog, ownership, poll, mail);
    }
}
