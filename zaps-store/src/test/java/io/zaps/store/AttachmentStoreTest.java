package io.zaps.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttachmentStoreTest {
    // sha256("hello")
    private static final String HELLO = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @TempDir
    Path data;

    @Test
    void bytesAreStoredUnderTheirHashAndReadBack() throws IOException {
        AttachmentStore store = new AttachmentStore(data);
        String ref = store.put("hello".getBytes(StandardCharsets.UTF_8));

        assertThat(ref).isEqualTo(HELLO);
        assertThat(Files.readString(data.resolve("attachments/sha256/" + ref.substring(7)))).isEqualTo("hello");
        assertThat(store.size(ref)).isEqualTo(5);
        assertThat(store.exists(ref)).isTrue();
        assertThat(store.read(ref, 5)).asString(StandardCharsets.UTF_8).isEqualTo("hello");
        try (InputStream in = store.open(ref)) {
            assertThat(in.readAllBytes()).asString(StandardCharsets.UTF_8).isEqualTo("hello");
        }
    }

    @Test
    void theSameBytesAreKeptOnceAndNoTemporaryFileIsLeft() throws IOException {
        AttachmentStore store = new AttachmentStore(data);
        String first = store.put("hello".getBytes(StandardCharsets.UTF_8));
        String second = store.put(new ByteArrayInputStream("hello".getBytes(StandardCharsets.UTF_8)));
        String other = store.put(new byte[0]);

        assertThat(second).isEqualTo(first);
        assertThat(other).isNotEqualTo(first).matches(AttachmentStore.REF);
        try (Stream<Path> files = Files.list(data.resolve("attachments/sha256"))) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(2).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void readingMoreThanTheLimitIsRefused() {
        AttachmentStore store = new AttachmentStore(data);
        String ref = store.put("hello".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> store.read(ref, 4)).isInstanceOf(AttachmentStore.AttachmentTooLargeException.class)
                .hasMessageContaining("5 bytes");
    }

    @Test
    void anUnknownRefIsNotFound() {
        AttachmentStore store = new AttachmentStore(data);
        assertThat(store.exists(HELLO)).isFalse();
        assertThatThrownBy(() -> store.size(HELLO)).isInstanceOf(AttachmentStore.AttachmentNotFoundException.class);
        assertThatThrownBy(() -> store.open(HELLO)).isInstanceOf(AttachmentStore.AttachmentNotFoundException.class);
        assertThatThrownBy(() -> store.read(HELLO, 10)).isInstanceOf(AttachmentStore.AttachmentNotFoundException.class);
    }

    @Test
    void malformedRefsNeverBecomePaths() throws IOException {
        Files.writeString(data.resolve("secret"), "x");
        AttachmentStore store = new AttachmentStore(data);
        for (String bad : List.of("sha256:../../secret", "../../secret", "sha256:" + "A".repeat(64), "sha256:" + "a".repeat(63),
                "sha256:" + "a".repeat(64) + "/", "md5:" + "a".repeat(32), "", HELLO + "\n")) {
            assertThat(AttachmentStore.isRef(bad)).as(bad).isFalse();
            assertThatThrownBy(() -> store.open(bad)).as(bad).isInstanceOf(UnsafeIdException.class);
            assertThatThrownBy(() -> store.read(bad, 10)).as(bad).isInstanceOf(UnsafeIdException.class);
            assertThatThrownBy(() -> store.size(bad)).as(bad).isInstanceOf(UnsafeIdException.class);
        }
        assertThat(AttachmentStore.isRef(null)).isFalse();
    }
    @Test
    void pruningDeletesAttachmentsNotStoredSinceTheCutoffAndStoringAgainCountsAsNew() throws IOException {
        AttachmentStore store = new AttachmentStore(data);
        java.time.Instant cutoff = java.time.Instant.now().minus(java.time.Duration.ofDays(30));
        java.nio.file.attribute.FileTime before = java.nio.file.attribute.FileTime.from(cutoff.minusSeconds(60));
        String old = store.put("old".getBytes(StandardCharsets.UTF_8));
        String reused = store.put("reused".getBytes(StandardCharsets.UTF_8));
        String fresh = store.put("fresh".getBytes(StandardCharsets.UTF_8));
        Path folder = data.resolve("attachments/sha256");
        Files.setLastModifiedTime(folder.resolve(old.substring(7)), before);
        Files.setLastModifiedTime(folder.resolve(reused.substring(7)), before);
        Files.writeString(folder.resolve(".tmp-leftover-1"), "x");
        Files.setLastModifiedTime(folder.resolve(".tmp-leftover-1"), before);

        assertThat(store.put("reused".getBytes(StandardCharsets.UTF_8))).isEqualTo(reused);
        assertThat(store.pruneOlderThan(cutoff)).isEqualTo(1);

        assertThat(store.exists(old)).isFalse();
        assertThat(store.exists(reused)).as("stored again since").isTrue();
        assertThat(store.exists(fresh)).isTrue();
        assertThat(folder.resolve(".tmp-leftover-1")).doesNotExist();
    }
}
