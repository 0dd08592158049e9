package io.zaps.connector.secret;

import io.zaps.connector.ConnectorAutoConfiguration;
import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.kafka.ZapsKafkaAutoConfiguration;
import io.zaps.store.SecretStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The kit opens the data folder's credential store like the gateway does; no broker needed. */
class ConnectorSecretsWiringTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, ZapsKafkaAutoConfiguration.class,
                    ConnectorAutoConfiguration.class))
            .withPropertyValues("zaps.kafka.create-topics=false", "spring.kafka.listener.auto-startup=false")
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

    @TempDir
    Path data;

    @Test
    void readsTheConnectorsDataDirWithTheMasterKeyFromTheEnvironment() {
        String key = key();
        SecretStore.open(data, key, Clock.systemUTC()).put("t", "from-data-dir");
        runner.withPropertyValues("zaps.connector.data-dir=" + data, SecretStore.MASTER_KEY_ENV + "=" + key)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(SecretLookup.class).value("t")).contains("from-data-dir");
                });
    }

    @Test
    void fallsBackToZapsDataDir() {
        SecretStore.open(data, null, Clock.systemUTC()).put("t", "via-env");
        runner.withPropertyValues("ZAPS_DATA_DIR=" + data)
                .run(context -> assertThat(context.getBean(SecretLookup.class).value("t")).contains("via-env"));
    }

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
