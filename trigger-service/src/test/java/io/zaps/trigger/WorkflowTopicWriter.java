package io.zaps.trigger;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowRecord;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import io.zaps.kafka.ZapsKafkaProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Publishes workflow definitions on {@link Topics#WORKFLOWS} as the gateway does (one record per saved version, a
 * {@code workflow_deleted} record per delete), for tests of the trigger service, which reads definitions only from there;
 * and secrets on {@link Topics#SECRETS} ({@link #secret}), where it reads mailbox passwords.
 * Each call returns once the broker acknowledged the record.
 */
public final class WorkflowTopicWriter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, Integer> highest = new ConcurrentHashMap<>();

    public WorkflowTopicWriter(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            ZapsKafkaProperties properties = new ZapsKafkaProperties(2, (short) 1, true, 0, 50L, null);
            admin.createTopics(List.of(ZapsKafkaAutoConfiguration.workflowsTopic(properties),
                    ZapsKafkaAutoConfiguration.secretsTopic(properties))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Publishes {@code definition} as a saved version (named like the file store's method the tests used before). */
    public void saveWorkflowVersion(WorkflowDefinition definition) {
        highest.merge(definition.id(), definition.version(), Math::max);
        send(definition.id(), WorkflowRecord.saved(definition));
    }

    /** Publishes that the workflow was deleted at the highest version published here. */
    public void deleteWorkflow(String workflowId) {
        send(workflowId, WorkflowRecord.deleted(workflowId, highest.getOrDefault(workflowId, 1)));
    }

    /** Publishes a secret's record as the gateway does with each write (pass it as the store's {@code whileLocked}). */
    public void secret(SecretRecord record) {
        try {
            producer.send(new ProducerRecord<>(Topics.SECRETS, record.name(), Json.toBytes(record))).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Publishes raw bytes under {@code workflowId} (a record that does not parse). */
    public void publishRaw(String workflowId, byte[] value) {
        sendBytes(workflowId, value);
    }

    private void send(String key, WorkflowRecord record) {
        sendBytes(key, Json.toBytes(record));
    }

    private void sendBytes(String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(Topics.WORKFLOWS, key, value)).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
