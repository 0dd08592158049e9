package io.zaps.gateway.secret;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.secret.SecretRecord;
import io.zaps.gateway.GatewayTestSupport;
import io.zaps.kafka.secret.SecretView;
import io.zaps.store.SecretStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every write of a secret reaches zaps.secrets, encrypted exactly as at rest, and what the topic lacks (a secret only in
 * the files, a delete it missed) is published from the files.
 */
class SecretPublishingTest extends GatewayTestSupport {
    private static final Duration AT_MOST = Duration.ofSeconds(30);

    @Autowired
    SecretPublisher publisher;
    @Autowired
    SecretView gatewaySecretView;
    @Autowired
    SecretStore gatewaySecretStore;

    @Test
    void store_replace_and_delete_are_published_in_order_before_the_answer_and_never_in_plain_text() {
        String name = uniqueId("tok");
        String first = "first-" + UUID.randomUUID();
        String second = "second-" + UUID.randomUUID();
        assertThat(put("/api/secrets/" + name, "{\"value\": \"" + first + "\"}").status()).isEqualTo(201);
        SecretRecord stored = gatewaySecretStore.sealed(name).orElseThrow();
        assertThat(put("/api/secrets/" + name, "{\"value\": \"" + second + "\"}").status()).isEqualTo(200);
        SecretRecord replaced = gatewaySecretStore.sealed(name).orElseThrow();
        assertThat(delete("/api/secrets/" + name).status()).isEqualTo(204);

        ConsumerRecord<String, byte[]> deleted = awaitRecord(Topics.SECRETS,
                r -> name.equals(r.key()) && Json.read(r.value(), SecretRecord.class).isDeleted(), AT_MOST);
        assertThat(Json.read(deleted.value(), SecretRecord.class)).isEqualTo(SecretRecord.deleted(name, replaced.updatedAt()));
        for (SecretRecord atRest : new SecretRecord[]{stored, replaced}) {
            ConsumerRecord<String, byte[]> published = awaitRecord(Topics.SECRETS, r -> name.equals(r.key())
                    && atRest.nonce().equals(Json.read(r.value(), SecretRecord.class).nonce()), AT_MOST);
            assertThat(Json.read(published.value(), SecretRecord.class)).as("the form at rest").isEqualTo(atRest);
            String raw = new String(published.value(), StandardCharsets.ISO_8859_1);
            assertThat(raw).doesNotContain(first).doesNotContain(second);
        }
        assertThat(gatewaySecretView.awaitCaughtUp(AT_MOST)).isTrue();
        assertThat(gatewaySecretView.find(name)).isEmpty();
    }

    @Test
    void secrets_only_in_the_files_and_deletes_the_topic_missed_are_published_and_nothing_twice() throws Exception {
        String legacy = uniqueId("legacy");
        String gone = uniqueId("gone");
        // written by a gateway from before the topic existed (or while Kafka was down)
        gatewaySecretStore.put(legacy, "legacy-" + UUID.randomUUID());
        // on the topic, but its file is gone (deleted while Kafka was down)
        SecretRecord[] orphan = new SecretRecord[1];
        SecretStore.open(DATA_DIR.resolve("elsewhere-" + UUID.randomUUID()), null, java.time.Clock.systemUTC())
                .put(gone, "gone-" + UUID.randomUUID(), r -> orphan[0] = r);
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(Topics.SECRETS, gone, Json.toBytes(orphan[0]))).get();
        }
        assertThat(gatewaySecretView.awaitCaughtUp(AT_MOST)).isTrue();

        publisher.reconcile(); // (the gateway's own pass may have come first)
        assertThat(Json.read(awaitRecord(Topics.SECRETS, r -> legacy.equals(r.key()), AT_MOST).value(), SecretRecord.class))
                .isEqualTo(gatewaySecretStore.sealed(legacy).orElseThrow());
        SecretRecord delete = Json.read(awaitRecord(Topics.SECRETS, r -> gone.equals(r.key())
                && Json.read(r.value(), SecretRecord.class).isDeleted(), AT_MOST).value(), SecretRecord.class);
        assertThat(delete.updatedAt()).isEqualTo(orphan[0].updatedAt());
        assertThat(gatewaySecretView.awaitCaughtUp(AT_MOST)).isTrue();
        assertThat(publisher.reconcile()).as("the topic has everything now").isZero();
        assertThat(gatewaySecretView.find(gone)).isEmpty();
        assertThat(gatewaySecretView.find(legacy)).isPresent();
        assertThat(Instant.now()).isAfter(delete.updatedAt());
    }
}
