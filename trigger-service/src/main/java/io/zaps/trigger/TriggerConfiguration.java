package io.zaps.trigger;

import io.zaps.contract.Topics;
import io.zaps.kafka.DeadLetters;
import io.zaps.kafka.RecordPublisher;
import io.zaps.kafka.secret.SecretView;
import io.zaps.kafka.secret.TopicSecrets;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.workflow.WorkflowView;
import io.zaps.store.FileStore;
import io.zaps.store.SecretCipher;
import io.zaps.store.SecretStore;
import io.zaps.trigger.consume.ReadyLog;
import io.zaps.trigger.consume.TriggerBatchListener;
import io.zaps.trigger.intake.TriggerIntake;
import io.zaps.trigger.source.cursor.CursorTopic;
import io.zaps.trigger.source.cursor.CursorView;
import io.zaps.trigger.source.ownership.PartitionOwnership;
import io.zaps.trigger.source.ownership.RebalanceListeners;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.trigger.workflow.WorkflowCatalog;
import io.zaps.trigger.workflow.WorkflowSource;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TriggerProperties.class)
class TriggerConfiguration {
    /** The consumer group of every trigger service instance: each trigger is handled by one of them. */
    static final String GROUP_ID = "zaps-trigger-service";
    /**
     * The consumer group on {@link Topics#CALL_TRIGGERS}: a group of its own, so that the assignment of
     * {@link Topics#TRIGGERS}' partitions, which decides which instance runs which workflow's sources, stays as it is.
     */
    static final String CALL_GROUP_ID = "zaps-trigger-service-calls";

    @Bean
    Clock triggerClock() {
        return Clock.systemUTC();
    }

    /**
     * Only asked whether a run was recorded ({@code <data>/runs}), to skip a trigger re-produced with an event id whose
     * run the executor no longer remembers (older than its finished-run retention): that check holds only where this
     * service sees the gateway's data folder (docs/architecture.md); on a folder of its own it finds nothing.
     */
    @Bean
    FileStore triggerFileStore(TriggerProperties properties) {
        return new FileStore(properties.dataDir());
    }

    /**
     * The credential store as {@link Topics#SECRETS} holds it (encrypted), for trigger sources that log in somewhere
     * (IMAP). Its start does not wait for the topic: a lookup does.
     */
    @Bean
    SecretView triggerSecretView(ConsumerFactory<?, ?> kafkaConsumerFactory, TriggerProperties properties) {
        return SecretView.of(kafkaConsumerFactory, "zaps-trigger-secret-view-" + properties.instanceId(), Duration.ZERO);
    }

    /**
     * Secret values, decrypted with {@code ZAPS_MASTER_KEY}, else with the data folder's key file when it is the
     * gateway's folder ({@code ./zaps up}); nothing else of the folder is read for them.
     */
    @Bean
    TopicSecrets triggerSecrets(SecretView triggerSecretView, TriggerProperties properties, Environment environment) {
        return new TopicSecrets(triggerSecretView,
                SecretCipher.lazyReader(properties.dataDir(), environment.getProperty(SecretStore.MASTER_KEY_ENV)), Duration.ofSeconds(10));
    }

    /**
     * The schedule and mailbox cursors as {@link Topics#TRIGGER_CURSORS} holds them, shared by the instances through
     * Kafka. Its start does not wait for the topic: a source catches it up before it reads a cursor.
     */
    @Bean
    CursorView triggerCursorView(ConsumerFactory<?, ?> kafkaConsumerFactory, TriggerProperties properties) {
        return CursorView.of(kafkaConsumerFactory, "zaps-trigger-cursor-view-" + properties.instanceId());
    }

    @Bean
    CursorTopic triggerCursors(CursorView triggerCursorView, KafkaTemplate<String, byte[]> template, TriggerProperties properties) {
        return new CursorTopic(triggerCursorView, template, properties.publishTimeout());
    }

    /**
     * The workflow definitions, read from {@link Topics#WORKFLOWS} into memory before the listener containers and the
     * trigger sources start (the gateway publishes every saved version there); no data folder is read for them.
     */
    @Bean
    WorkflowView triggerWorkflowView(ConsumerFactory<?, ?> kafkaConsumerFactory, TriggerProperties properties) {
        return WorkflowView.of(kafkaConsumerFactory, "zaps-trigger-workflow-view-" + properties.instanceId(), Duration.ofMinutes(2));
    }

    @Bean
    WorkflowCatalog workflowCatalog(WorkflowView triggerWorkflowView, TriggerProperties properties) {
        return new WorkflowCatalog(source(triggerWorkflowView), properties.workflowSyncTimeout());
    }

    static WorkflowSource source(WorkflowView view) {
        return new WorkflowSource() {
            @Override
            public Optional<WorkflowDefinition> find(String workflowId) {
                return view.find(workflowId);
            }

            @Override
            public int version(String workflowId) {
                return view.version(workflowId);
            }

            @Override
            public Set<String> ids() {
                return view.ids();
            }

            @Override
            public boolean awaitCaughtUp(Duration timeout) {
                return view.awaitCaughtUp(timeout);
            }
        };
    }

    @Bean
    TriggerIntake triggerIntake(Clock triggerClock) {
        return new TriggerIntake(triggerClock);
    }

    @Bean
    TriggerBatchListener triggerBatchListener(TriggerIntake intake, WorkflowCatalog catalog, RecordPublisher publisher,
                                              KafkaTemplate<String, byte[]> template, TriggerProperties properties,
                                              FileStore triggerFileStore, DeadLetters zapsDeadLetters, RunTracing tracing) {
        return new TriggerBatchListener(intake, catalog, publisher, template, properties.publishTimeout(), triggerFileStore::hasRun,
                false, zapsDeadLetters, tracing);
    }

    @Bean
    ReadyLog triggerReadyLog() {
        return new ReadyLog();
    }

    /**
     * The batch listener container on {@link Topics#TRIGGERS}, built by Boot's factory so that it gets
     * the configured consumer settings and zaps-kafka's dead-letter error handler.
     *
     * <p>Offsets are committed once per {@code zaps.trigger.commit-interval} (and when partitions are
     * revoked), not after every poll: at a few triggers a second every poll held one record, and its
     * commit cost a broker request, a write to {@code __consumer_offsets} and a round trip before the
     * next poll (docs/benchmarks.md, session 7). What a crash can redeliver is harmless: a trigger's run
     * id is fixed (the gateway's or derived from the event id) and the executor starts a run once.
     */
    @Bean
    @SuppressWarnings("unchecked")
    ConcurrentMessageListenerContainer<String, byte[]> triggerListenerContainer(
            ConcurrentKafkaListenerContainerFactory<?, ?> kafkaListenerContainerFactory,
            TriggerBatchListener listener, ReadyLog readyLog, PartitionOwnership ownership, TriggerProperties properties) {
        ConcurrentMessageListenerContainer<String, byte[]> container =
                ((ConcurrentKafkaListenerContainerFactory<String, byte[]>) kafkaListenerContainerFactory).createContainer(Topics.TRIGGERS);
        ContainerProperties containerProperties = container.getContainerProperties();
        containerProperties.setGroupId(GROUP_ID);
        containerProperties.setClientId(GROUP_ID);
        containerProperties.setConsumerRebalanceListener(RebalanceListeners.of(readyLog, ownership));
        containerProperties.setAckMode(ContainerProperties.AckMode.TIME);
        containerProperties.setAckTime(properties.commitInterval().toMillis());
        container.setupMessageListener(listener);
        container.setConcurrency(properties.listenerConcurrency());
        return container;
    }

    /**
     * The batch listener container on {@link Topics#CALL_TRIGGERS}, the runs {@code call_workflow} steps ask for:
     * handled as any trigger, but here, and only here, with the {@code parent} the record names.
     */
    @Bean
    @SuppressWarnings("unchecked")
    ConcurrentMessageListenerContainer<String, byte[]> callTriggerListenerContainer(
            ConcurrentKafkaListenerContainerFactory<?, ?> kafkaListenerContainerFactory, TriggerIntake intake, WorkflowCatalog catalog,
            RecordPublisher publisher, KafkaTemplate<String, byte[]> template, TriggerProperties properties, FileStore triggerFileStore,
            DeadLetters zapsDeadLetters, RunTracing tracing) {
        ConcurrentMessageListenerContainer<String, byte[]> container =
                ((ConcurrentKafkaListenerContainerFactory<String, byte[]>) kafkaListenerContainerFactory).createContainer(Topics.CALL_TRIGGERS);
        ContainerProperties containerProperties = container.getContainerProperties();
        containerProperties.setGroupId(CALL_GROUP_ID);
        containerProperties.setClientId(CALL_GROUP_ID);
        containerProperties.setAckMode(ContainerProperties.AckMode.TIME);
        containerProperties.setAckTime(properties.commitInterval().toMillis());
        container.setupMessageListener(new TriggerBatchListener(intake, catalog, publisher, template, properties.publishTimeout(),
                triggerFileStore::hasRun, true, zapsDeadLetters, tracing));
        container.setConcurrency(properties.listenerConcurrency());
        return container;
    }
}
