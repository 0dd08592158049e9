package io.zaps.connector.secret;

import io.zaps.store.SecretStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreSecretLookupTest {
    @TempDir
    Path data;

    @Test
    void readsWhatTheGatewayStoredWithTheSameMasterKeyAndOpensTheStoreOnlyWhenAsked() {
        String key = newKey();
        StoreSecretLookup lookup = new StoreSecretLookup(data, key, Clock.systemUTC());
        assertThat(data.resolve("secrets")).as("nothing touched before the first lookup").doesNotExist();

        SecretStore.open(data, key, Clock.systemUTC()).put("smtp", "pa55");

        assertThat(lookup.value("smtp")).contains("pa55");
        assertThat(lookup.value("other")).isEmpty();
    }

    @Test
    void aDifferentMasterKeyIsAnErrorNamingTheSecretNotAValue() {
        SecretStore.open(data, newKey(), Clock.systemUTC()).put("smtp", "pa55");
        StoreSecretLookup lookup = new StoreSecretLookup(data, newKey(), Clock.systemUTC());
        assertThatThrownBy(() -> lookup.value("smtp")).hasMessageContaining("smtp").hasMessageNotContaining("pa55");
    }

    @Test
    void withoutAMasterKeyTheDataFoldersKeyFileIsShared() {
        SecretStore.open(data, null, Clock.systemUTC()).put("t", "v");
        assertThat(Files.exists(data.resolve("secrets").resolve(".master-key"))).isTrue();
        assertThat(new StoreSecretLookup(data, "", Clock.systemUTC()).value("t")).contains("v");
    }

    private static String newKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
