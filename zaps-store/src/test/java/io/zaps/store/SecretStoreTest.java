package io.zaps.store;

import io.zaps.contract.Json;
import io.zaps.contract.secret.SecretRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretStoreTest {
    static final String SECRET = "s3cr3t-Value-that-must-never-leak";
    static final Clock T0 = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path data;

    @Test
    void roundTripsAndNeverStoresTheValueInTheClear() throws Exception {
        SecretStore store = SecretStore.open(data, null, T0);
        SecretStore.SecretInfo info = store.put("smtp-password", SECRET);
        assertThat(info.createdAt()).isEqualTo(T0.instant());
        assertThat(store.value("smtp-password")).contains(SECRET);
        assertThat(store.value("missing")).isEmpty();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).as(file.toString()).doesNotContain(SECRET);
            }
        }
        assertThat(store.list()).extracting(SecretStore.SecretInfo::name).containsExactly("smtp-password");
    }

    @Test
    void theGeneratedKeyFileIsOwnerOnlyAndReusedByTheNextProcess() throws Exception {
        SecretStore.open(data, null, T0).put("a", SECRET);
        Path keyFile = data.resolve("secrets").resolve(SecretStore.KEY_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile.resolveSibling("a.json")))).isEqualTo("rw-------");
        assertThat(SecretStore.open(data, null, T0).value("a")).contains(SECRET);
    }

    @Test
    void anExplicitMasterKeyIsUsedAndAWrongOneIsAClearError() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        SecretStore.open(data, key, T0).put("a", SECRET);
        assertThat(SecretStore.open(data, " " + key + "\n", T0).value("a")).contains(SECRET);
        String other = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        assertThatThrownBy(() -> SecretStore.open(data, other, T0).value("a"))
                .isInstanceOf(StoreException.class).hasMessageContaining("different master key").hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> SecretStore.open(data, "not base64!", T0)).hasMessageContaining("openssl rand -base64 32");
        assertThatThrownBy(() -> SecretStore.open(data, "AAAA", T0)).hasMessageContaining("32 random bytes");
    }

    @Test
    void aFileCopiedToAnotherNameOrTamperedWithDoesNotDecrypt() throws Exception {
        SecretStore store = SecretStore.open(data, null, T0);
        store.put("a", SECRET);
        store.put("b", "other");
        assertThat(store.value("b")).contains("other"); // decrypted and kept: the tampering must still be seen
        Path dir = data.resolve("secrets");
        String a = Files.readString(dir.resolve("a.json"));
        Files.writeString(dir.resolve("b.json"), a.replace("\"name\":\"a\"", "\"name\":\"b\""));
        assertThatThrownBy(() -> store.value("b")).isInstanceOf(StoreException.class).hasMessageContaining("does not decrypt");
    }

    @Test
    void updatesKeepTheCreationTimeAndDeleteRemoves() {
        SecretStore first = SecretStore.open(data, null, T0);
        first.put("a", "one");
        SecretStore later = SecretStore.open(data, null, Clock.offset(T0, java.time.Duration.ofHours(1)));
        SecretStore.SecretInfo updated = later.put("a", "two");
        assertThat(updated.createdAt()).isEqualTo(T0.instant());
        assertThat(updated.updatedAt()).isEqualTo(T0.instant().plusSeconds(3600));
        assertThat(later.value("a")).contains("two");
        assertThat(later.delete("a")).isTrue();
        assertThat(later.delete("a")).isFalse();
        assertThat(later.list()).isEmpty();
    }

    @Test
    void unsafeNamesAreRefused() {
        SecretStore store = SecretStore.open(data, null, T0);
        for (String bad : new String[] {"../x", "a/b", "", ".hidden", "x".repeat(65)}) {
            assertThatThrownBy(() -> store.put(bad, "v")).isInstanceOf(UnsafeIdException.class);
        }
    }

    @Test
    void aValueRotatedOrDeletedByAnotherProcessTakesEffectOnTheNextRead() {
        SecretStore gateway = SecretStore.open(data, null, T0);
        SecretStore other = SecretStore.open(data, null, T0); // another process sharing the data folder
        other.put("hook", "value-0");
        assertThat(gateway.value("hook")).contains("value-0");
        // Rotations in quick succession, each value as long as the last: neither timestamps nor sizes tell them apart.
        for (int i = 1; i <= 50; i++) {
            other.put("hook", "value-" + (i % 10));
            assertThat(gateway.value("hook")).as("rotation %d", i).contains("value-" + (i % 10));
            assertThat(gateway.value("hook")).as("rotation %d, read again", i).contains("value-" + (i % 10));
        }
        assertThat(other.delete("hook")).isTrue();
        assertThat(gateway.value("hook")).isEmpty();
        other.put("hook", "value-back");
        assertThat(gateway.value("hook")).contains("value-back");
    }

    @Test
    void aFileReplacedBehindTheStoresBackIsReadAgain() throws Exception {
        SecretStore store = SecretStore.open(data, null, T0);
        store.put("a", "first");
        Path file = data.resolve("secrets").resolve("a.json");
        byte[] first = Files.readAllBytes(file);
        store.put("a", "second");
        assertThat(store.value("a")).contains("second");
        Files.write(file, first); // rewritten in place (no rename), e.g. restored from a backup
        assertThat(store.value("a")).contains("first");
    }

    @Test
    void writesHandTheirEncryptedFormToWhileLockedAndAReaderWithTheKeyDecryptsIt() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        SecretStore store = SecretStore.open(data, key, T0);
        java.util.List<SecretRecord> published = new java.util.ArrayList<>();
        store.put("token", SECRET, published::add);
        assertThat(published).singleElement().satisfies(r -> {
            assertThat(r.isDeleted()).isFalse();
            assertThat(Json.toString(r)).doesNotContain(SECRET);
        });
        assertThat(store.sealed("token")).contains(published.get(0)); // the same form as at rest
        Path elsewhere = data.resolve("connector");
        SecretCipher reader = SecretCipher.forReader(elsewhere, key);
        assertThat(reader.open(published.get(0))).isEqualTo(SECRET);
        assertThat(elsewhere).doesNotExist(); // a reader writes nothing

        assertThat(store.delete("token", published::add)).isTrue();
        assertThat(published.get(1)).isEqualTo(SecretRecord.deleted("token", T0.instant()));
        assertThat(store.delete("token", published::add)).isFalse();
        assertThat(published).hasSize(2);
        assertThat(store.<Boolean>inspect("token", r -> r.isPresent())).isFalse();
    }

    @Test
    void aReplacedValueIsAlwaysLaterThanTheOneItReplaces() {
        SecretStore store = SecretStore.open(data, null, T0); // a clock that stands still
        java.util.List<SecretRecord> published = new java.util.ArrayList<>();
        store.put("a", "one", published::add);
        store.put("a", "two", published::add);
        assertThat(published.get(1).updatedAt()).isAfter(published.get(0).updatedAt());
        assertThat(SecretRecord.newer(published.get(0), published.get(1))).isSameAs(published.get(1));
        assertThat(published.get(1).createdAt()).isEqualTo(T0.instant());
    }

    @Test
    void aReaderUsesTheSharedKeyFileButNeverMakesOne() {
        assertThatThrownBy(() -> SecretCipher.forReader(data, null)).hasMessageContaining("ZAPS_MASTER_KEY");
        assertThat(data.resolve("secrets")).doesNotExist();
        SecretStore store = SecretStore.open(data, null, T0); // the gateway, sharing the folder (./zaps up)
        store.put("a", SECRET);
        assertThat(SecretCipher.forReader(data, null).open(store.sealed("a").orElseThrow())).isEqualTo(SECRET);
        String other = Base64.getEncoder().encodeToString(new byte[32]);
        assertThatThrownBy(() -> SecretCipher.forReader(data, other).open(store.sealed("a").orElseThrow()))
                .hasMessageContaining("different master key").hasMessageNotContaining(SECRET);
    }
}
