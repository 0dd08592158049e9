package io.zaps.connector.secret;

import io.zaps.connector.ConnectorAutoConfiguration;
import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import io.zaps.kafka.ZapsKafkaProperties;
import io.zaps.store.SecretStore;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kit reads secrets from zaps.secrets (a real KRaft broker) and decrypts them with ZAPS_MASTER_KEY, on a data folder
 * of its own that it leaves empty; without the variable it uses the key file of a folder shared with the gateway.
 */
class ConnectorSecretsWiringTest {
    private static EmbeddedKafkaKraftBroker broker;

    private ApplicationContextRunner runner() {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ZapsKafkaAutoConfiguration.class,
                        ConnectorAutoConfiguration.class))
                .withPropertyValues("zaps.kafka.create-topics=false", "spring.kafka.listener.auto-startup=false",
                        "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString())
                .withBean("webhook", StepHandler.class, () -> new StepHandler() {
                    @Override
                    public String type() {
                        return "webhook";
                    }

                    @Override
                    public StepOutcome handle(ExecuteStep request) {
                        return StepOutcome.succeeded(null);
                    }
                });
    }

    @TempDir
    Path gatewayData;
    @TempDir
    Path connectorData;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
            admin.createTopics(List.of(ZapsKafkaAutoConfiguration.secretsTopic(new ZapsKafkaProperties(2, (short) 1, true, 0, 50L, null))))
                    .all().get();
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void readsTheTopicWithTheMasterKeyFromTheEnvironmentAndWritesNothingInItsFolder() throws Exception {
        String key = key();
        SecretStore.open(gatewayData, key, Clock.systemUTC()).put("t", "from-the-topic", SecretWiring::publish);
        runner().withPropertyValues("zaps.connector.data-dir=" + connectorData, SecretStore.MASTER_KEY_ENV + "=" + key)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(SecretLookup.class).value("t")).contains("from-the-topic");
                    assertThat(context.getBean(SecretLookup.class).value("none")).isEmpty();
                });
        try (Stream<Path> files = Files.list(connectorData)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void withoutTheVariableTheKeyFileOfTheSharedFolderDecrypts() {
        SecretStore.open(gatewayData, null, Clock.systemUTC()).put("shared", "via-key-file", SecretWiring::publish);
        runner().withPropertyValues("ZAPS_DATA_DIR=" + gatewayData)
                .run(context -> assertThat(context.getBean(SecretLookup.class).value("shared")).contains("via-key-file"));
        runner().withPropertyValues("ZAPS_DATA_DIR=" + connectorData)
                .run(context -> {
                    assertThat(context).hasNotFailed(); // a connector without secrets needs no key
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> context.getBean(SecretLookup.class).value("shared"))
                            .hasMessageContaining("ZAPS_MASTER_KEY").hasMessageNotContaining("via-key-file");
                });
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** What the gateway does with each write: publish its record. */
    private static final class SecretWiring {
        static void publish(SecretRecord record) {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.getBrokersAsString()), new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.SECRETS, record.name(), Json.toBytes(record))).get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
