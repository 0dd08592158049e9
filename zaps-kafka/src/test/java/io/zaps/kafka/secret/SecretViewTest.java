package io.zaps.kafka.secret;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import io.zaps.kafka.ZapsKafkaProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-memory view of zaps.secrets: which record wins (no I/O), and {@link TopicSecrets} over a real KRaft broker: a
 * value stored, replaced or deleted before a lookup is what the lookup answers, decrypted once per record.
 */
class SecretViewTest {
    private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
    private static EmbeddedKafkaKraftBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, 1);
        broker.afterPropertiesSet();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()))) {
            admin.createTopics(List.of(ZapsKafkaAutoConfiguration.secretsTopic(new ZapsKafkaProperties(3, (short) 1, true, 0, 50L, null))))
                    .all().get();
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.SECRETS);
            ConfigEntry cleanup = admin.describeConfigs(List.of(topic)).all().get().get(topic).get(TopicConfig.CLEANUP_POLICY_CONFIG);
            assertThat(cleanup.value()).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
        }
    }

    @AfterAll
    static void stopBroker() {
        broker.destroy();
    }

    @Test
    void the_later_record_wins_whatever_the_order_and_a_delete_hides_the_value_it_removed() {
        SecretView view = new SecretView(suffix -> null, Duration.ofSeconds(1));
        view.applyRecord("k", bytes(saved("k", "c2", T.plusSeconds(2))));
        view.applyRecord("k", bytes(saved("k", "c1", T.plusSeconds(1)))); // late, older
        assertThat(view.find("k")).get().extracting(SecretRecord::ciphertext).isEqualTo("c2");

        view.applyRecord("k", bytes(SecretRecord.deleted("k", T.plusSeconds(2))));
        view.applyRecord("k", bytes(saved("k", "c2", T.plusSeconds(2)))); // a repeat of the deleted value
        assertThat(view.find("k")).isEmpty();
        assertThat(view.record("k")).get().extracting(SecretRecord::isDeleted).isEqualTo(true);
        assertThat(view.names()).doesNotContain("k");

        view.applyRecord("k", bytes(saved("k", "c3", T.plusSeconds(3)))); // stored again
        assertThat(view.names()).containsExactly("k");
        view.applyRecord("k", "{oops".getBytes(StandardCharsets.UTF_8));
        view.applyRecord("k", bytes(saved("other", "c9", T.plusSeconds(9))));
        assertThat(view.find("k")).get().extracting(SecretRecord::ciphertext).isEqualTo("c3");
        view.applyRecord("k", null); // an operator's tombstone
        assertThat(view.record("k")).isEmpty();
    }

    /**
     * A quiet view's reader parks a fetch on the broker for fetch.max.wait.ms; asked on that connection, the end offsets
     * waited behind it (half a second per lookup at the default). Here the fetch waits a minute: a lookup must not.
     */
    @Test
    void a_lookup_of_a_quiet_view_does_not_wait_for_the_readers_pending_fetch() throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(record(saved("quiet", "q1", T))).get();
            SecretView view = SecretView.of(new DefaultKafkaConsumerFactory<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString(),
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 60_000)), "secret-view-quiet-test", Duration.ofSeconds(60));
            view.start();
            try {
                TopicSecrets secrets = new TopicSecrets(view, r -> "plain-" + r.ciphertext(), Duration.ofSeconds(10));
                for (int lookup = 1; lookup <= 5; lookup++) {
                    Thread.sleep(200); // the reader is back in its poll, its fetch parked on the broker
                    assertThat(secrets.value("quiet")).as("lookup %d, within the 10 s catch-up", lookup).contains("plain-q1");
                }
                producer.send(record(saved("quiet", "q2", T.plusSeconds(1)))).get();
                assertThat(secrets.value("quiet")).as("a change is still seen at once").contains("plain-q2");
            } finally {
                view.stop();
            }
        }
    }

    @Test
    void a_lookup_sees_every_acknowledged_record_and_decrypts_each_once() throws Exception {
        AtomicInteger decryptions = new AtomicInteger();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString(), ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(record(saved("token", "v0", T))).get();
            SecretView view = SecretView.of(new DefaultKafkaConsumerFactory<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString())), "secret-view-test", Duration.ofSeconds(60));
            view.start();
            try {
                TopicSecrets secrets = new TopicSecrets(view, r -> {
                    decryptions.incrementAndGet();
                    return "plain-" + r.ciphertext(); // stands in for the AES-GCM of zaps-store's SecretCipher
                }, Duration.ofSeconds(30));
                assertThat(secrets.value("token")).contains("plain-v0");
                assertThat(secrets.value("token")).contains("plain-v0");
                assertThat(decryptions).hasValue(1);
                for (int round = 1; round <= 5; round++) {
                    producer.send(record(saved("token", "v" + round, T.plusSeconds(round)))).get();
                    assertThat(secrets.value("token")).as("round %d", round).contains("plain-v" + round);
                }
                producer.send(record(SecretRecord.deleted("token", T.plusSeconds(5)))).get();
                assertThat(secrets.value("token")).isEmpty();
                assertThat(secrets.value("never")).isEmpty();
                assertThat(decryptions).hasValue(6);
            } finally {
                view.stop();
            }
        }
    }

    private static SecretRecord saved(String name, String ciphertext, Instant updated) {
        return SecretRecord.saved(name, "AES-256-GCM", "key", "nonce", ciphertext, T, updated);
    }

    private static ProducerRecord<String, byte[]> record(SecretRecord record) {
        return new ProducerRecord<>(Topics.SECRETS, record.name(), bytes(record));
    }

    private static byte[] bytes(SecretRecord record) {
        return Json.toBytes(record);
    }
}
