package io.zaps.kafka;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one mapping of the ZAPS_KAFKA_* settings to Kafka client properties, and how Spring services get it. */
class KafkaClientSecurityTest {

    @Test
    void theOpenDefaultAddsNothing() {
        KafkaClientSecurity none = KafkaClientSecurity.from(Map.<String, String>of()::get);

        assertThat(none).isEqualTo(KafkaClientSecurity.NONE);
        assertThat(none.clientProperties()).isEmpty();
        assertThat(none.settings()).isEmpty();
    }

    @Test
    void saslBecomesProtocolMechanismAndALoginEntry() {
        KafkaClientSecurity scram = KafkaClientSecurity.from(Map.of(
                "ZAPS_KAFKA_SECURITY_PROTOCOL", "sasl_ssl", "ZAPS_KAFKA_USERNAME", "zaps", "ZAPS_KAFKA_PASSWORD", "pa\"ss\\word")::get);

        assertThat(scram.clientProperties()).containsExactly(
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "SCRAM-SHA-256"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"zaps\" password=\"pa\\\"ss\\\\word\";"));
        assertThat(KafkaClientSecurity.sasl("PLAIN", "u", "p").clientProperties().get("sasl.jaas.config"))
                .isEqualTo("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";");
    }

    @Test
    void thePasswordIsNeverShown() {
        KafkaClientSecurity scram = KafkaClientSecurity.sasl("SCRAM-SHA-512", "zaps", "s3cret-value");

        assertThat(scram.toString()).isEqualTo("SASL_PLAINTEXT SCRAM-SHA-512 as zaps").doesNotContain("s3cret-value");
    }

    @Test
    void refusesIncompleteOrUnknownSettingsNamingThem() {
        assertThatThrownBy(() -> new KafkaClientSecurity("SASL_PLAINTEXT", null, "zaps", null))
                .hasMessage("ZAPS_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT needs ZAPS_KAFKA_USERNAME and ZAPS_KAFKA_PASSWORD");
        assertThatThrownBy(() -> new KafkaClientSecurity("SASL_PLAINTEXT", "GSSAPI", "zaps", "p"))
                .hasMessageStartingWith("ZAPS_KAFKA_SASL_MECHANISM must be one of [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512]");
        assertThatThrownBy(() -> new KafkaClientSecurity("TLS", null, null, null))
                .hasMessageStartingWith("ZAPS_KAFKA_SECURITY_PROTOCOL must be one of");
        // Credentials that would go unused on an open connection are a mistake, not a default.
        assertThatThrownBy(() -> new KafkaClientSecurity(null, null, "zaps", "p"))
                .hasMessageContaining("need ZAPS_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT or SASL_SSL");
    }

    @Test
    void springServicesGetTheSettingsOnEveryClientTheyBuild() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("ZAPS_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
                .withProperty("ZAPS_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
                .withProperty("ZAPS_KAFKA_USERNAME", "zaps")
                .withProperty("ZAPS_KAFKA_PASSWORD", "secret")
                .withProperty("spring.kafka.properties.linger.ms", "0");

        new KafkaSecurityEnvironment().postProcessEnvironment(environment, new SpringApplication());
        KafkaProperties kafka = Binder.get(environment).bind("spring.kafka", KafkaProperties.class).get();

        for (Map<String, Object> client : new Map[] {kafka.buildProducerProperties(), kafka.buildConsumerProperties(), kafka.buildAdminProperties()}) {
            assertThat(client).containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("sasl.jaas.config", KafkaClientSecurity.jaasConfig("SCRAM-SHA-512", "zaps", "secret"))
                    .containsEntry("linger.ms", "0");
        }
    }

    @Test
    void springServicesWithoutSettingsAreLeftAlone() {
        StandardEnvironment environment = new StandardEnvironment();
        int sources = environment.getPropertySources().size();

        new KafkaSecurityEnvironment().postProcessEnvironment(environment, new SpringApplication());

        assertThat(environment.getPropertySources().size()).isEqualTo(sources);
    }
}
