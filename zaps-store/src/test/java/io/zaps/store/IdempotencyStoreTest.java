package io.zaps.store;

import io.zaps.contract.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdempotencyStoreTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WINDOW = Duration.ofHours(24);

    @TempDir
    Path data;

    private static IdempotencyStore.Entry entry(Instant at) {
        return new IdempotencyStore.Entry(UUID.randomUUID().toString(), at);
    }

    private static Predicate<IdempotencyStore.Entry> expiredAt(Instant now) {
        return e -> !e.createdAt().plus(WINDOW).isAfter(now);
    }

    @Test
    void theFirstClaimWinsAndLaterOnesGetItsRun() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry first = entry(T0);
        IdempotencyStore.Claim claimed = store.claim("w1", "order-42", first, expiredAt(T0));
        assertThat(claimed).isEqualTo(new IdempotencyStore.Claim(first, true));

        IdempotencyStore.Claim again = store.claim("w1", "order-42", entry(T0.plusSeconds(60)), expiredAt(T0.plusSeconds(60)));
        assertThat(again).isEqualTo(new IdempotencyStore.Claim(first, false));
        assertThat(store.find("w1", "order-42")).contains(first);

        Path file = data.resolve("idempotency/w1/" + IdempotencyStore.hash("order-42") + ".json");
        assertThat(IdempotencyStore.hash("order-42")).hasSize(64).matches("[0-9a-f]+");
        assertThat(Json.mapper().readTree(Files.readAllBytes(file)).toString())
                .isEqualTo("{\"run_id\":\"" + first.runId() + "\",\"created_at\":\"2026-01-01T00:00:00Z\"}");
    }

    @Test
    void keysAreScopedToTheirWorkflow() {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry a = entry(T0);
        IdempotencyStore.Entry b = entry(T0);
        IdempotencyStore.Entry c = entry(T0);
        assertThat(store.claim("w1", "k", a, expiredAt(T0)).created()).isTrue();
        assertThat(store.claim("w2", "k", b, expiredAt(T0)).created()).isTrue();
        assertThat(store.claim("w1", "other", c, expiredAt(T0)).created()).isTrue();
        assertThat(store.find("w1", "k")).contains(a);
        assertThat(store.find("w2", "k")).contains(b);
        assertThat(store.find("w2", "other")).isEmpty();
    }

    @Test
    void anExpiredEntryIsReplaced() {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry old = entry(T0);
        store.claim("w1", "k", old, expiredAt(T0));
        Instant later = T0.plus(WINDOW);
        IdempotencyStore.Entry fresh = entry(later);

        assertThat(store.claim("w1", "k", fresh, expiredAt(later))).isEqualTo(new IdempotencyStore.Claim(fresh, true));
        assertThat(store.find("w1", "k")).contains(fresh);
        assertThat(store.claim("w1", "k", entry(later), expiredAt(later)).entry()).isEqualTo(fresh);

        Instant muchLater = later.plus(WINDOW);
        IdempotencyStore.Entry third = entry(muchLater);
        assertThat(store.claim("w1", "k", third, expiredAt(muchLater)).created()).isTrue();
        assertThat(store.find("w1", "k")).contains(third);
    }

    @Test
    void releaseFreesTheKeyOnlyForItsOwnRun() {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry first = entry(T0);
        store.claim("w1", "k", first, expiredAt(T0));
        assertThat(store.release("w1", "k", UUID.randomUUID().toString())).isFalse();
        assertThat(store.find("w1", "k")).contains(first);
        assertThat(store.release("w1", "k", first.runId())).isTrue();
        assertThat(store.find("w1", "k")).isEmpty();
        IdempotencyStore.Entry second = entry(T0);
        assertThat(store.claim("w1", "k", second, expiredAt(T0)).created()).isTrue();
    }

    @Test
    void unsafeWorkflowIdsNeverBecomePathsAndKeysAreOnlyHashed() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data.resolve("inner"));
        for (String bad : List.of("../../x", "..", "a/b", "a\\b", "", ".hidden", "x".repeat(65))) {
            assertThatThrownBy(() -> store.claim(bad, "k", entry(T0), expiredAt(T0))).isInstanceOf(UnsafeIdException.class);
            assertThatThrownBy(() -> store.find(bad, "k")).isInstanceOf(UnsafeIdException.class);
            assertThatThrownBy(() -> store.release(bad, "k", UUID.randomUUID().toString())).isInstanceOf(UnsafeIdException.class);
        }
        assertThat(store.claim("w1", "../../../etc/passwd", entry(T0), expiredAt(T0)).created()).isTrue();
        try (Stream<Path> files = Files.walk(data)) {
            assertThat(files.filter(Files::isRegularFile).map(p -> data.relativize(p).toString()))
                    .containsExactly("inner/idempotency/w1/" + IdempotencyStore.hash("../../../etc/passwd") + ".json");
        }
        assertThatThrownBy(() -> store.claim("w1", "", entry(T0), expiredAt(T0))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCorruptEntryIsReportedNotTrusted() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data);
        Path dir = Files.createDirectories(data.resolve("idempotency/w1"));
        Files.writeString(dir.resolve(IdempotencyStore.hash("k") + ".json"), "{\"run_id\": \"../x\"}", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> store.find("w1", "k")).isInstanceOf(CorruptFileException.class);
        assertThatThrownBy(() -> store.claim("w1", "k", entry(T0), expiredAt(T0))).isInstanceOf(CorruptFileException.class);
    }

    @Test
    void racingClaimsAgreeOnOneRun() throws Exception {
        IdempotencyStore seeded = new IdempotencyStore(data);
        for (int round = 0; round < 20; round++) {
            String key = "race-" + round;
            Instant now = T0;
            if (round % 2 == 1) {
                // odd rounds race to replace an expired entry instead of creating the first one
                seeded.claim("w1", key, entry(T0.minus(WINDOW).minusSeconds(1)), e -> false);
            }
            assertThat(race(key, now)).as("round " + round).hasSize(1);
        }
    }

    /** Several threads, each with its own store instance (as separate gateways would have), claim one key. */
    private Set<String> race(String key, Instant now) throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<IdempotencyStore.Claim>> claims = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                IdempotencyStore store = new IdempotencyStore(data);
                claims.add(pool.submit(() -> {
                    start.await();
                    return store.claim("w1", key, entry(now), expiredAt(now));
                }));
            }
            start.countDown();
            List<IdempotencyStore.Claim> results = new ArrayList<>();
            for (Future<IdempotencyStore.Claim> claim : claims) {
                results.add(claim.get(30, TimeUnit.SECONDS));
            }
            assertThat(results.stream().filter(IdempotencyStore.Claim::created)).hasSize(1);
            assertThat(new IdempotencyStore(data).find("w1", key).map(IdempotencyStore.Entry::runId))
                    .contains(results.get(0).entry().runId());
            return results.stream().map(c -> c.entry().runId()).collect(Collectors.toSet());
        } finally {
            pool.shutdownNow();
        }
    }
    @Test
    void pruningDeletesExpiredEntriesAndTheKeyCanBeClaimedAfresh() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry old = entry(T0);
        IdempotencyStore.Entry recent = entry(T0.plus(WINDOW));
        store.claim("w1", "old-key", old, expiredAt(T0));
        store.claim("w1", "recent-key", recent, expiredAt(T0.plus(WINDOW)));
        Instant now = T0.plus(WINDOW).plusSeconds(1);

        assertThat(store.pruneExpired(now, WINDOW)).isEqualTo(1);

        assertThat(store.find("w1", "old-key")).isEmpty();
        assertThat(store.find("w1", "recent-key")).contains(recent);
        IdempotencyStore.Entry next = entry(now);
        assertThat(store.claim("w1", "old-key", next, expiredAt(now))).isEqualTo(new IdempotencyStore.Claim(next, true));
        assertThat(store.pruneExpired(now, WINDOW)).isZero();
    }

    @Test
    void aPrunedEntryLeavesTheMarkerThatStopsAClaimantWhichReadItFromReplacingItsSuccessor() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data);
        IdempotencyStore.Entry old = entry(T0);
        store.claim("w1", "k", old, expiredAt(T0));
        Instant now = T0.plus(WINDOW).plusSeconds(1);

        store.pruneExpired(now, WINDOW);

        // A claimant that read the old entry just before tries to create exactly this marker (as for any
        // replacement), fails, reads the file again and finds the key free or the entry made since.
        Path marker = data.resolve("idempotency/w1/" + IdempotencyStore.hash("k") + "." + old.runId() + ".next");
        assertThat(marker).exists();
        assertThat(Json.read(Files.readAllBytes(marker), IdempotencyStore.Entry.class)).isEqualTo(old);
        IdempotencyStore.Entry after = entry(now);
        assertThat(store.claim("w1", "k", after, expiredAt(now)).created()).isTrue();
        assertThat(store.claim("w1", "k", entry(now), expiredAt(now))).isEqualTo(new IdempotencyStore.Claim(after, false));
    }

    @Test
    void pruningRemovesSuccessorMarkersOlderThanTheWindow() throws IOException {
        IdempotencyStore store = new IdempotencyStore(data);
        store.claim("w1", "k", entry(T0), expiredAt(T0));
        store.claim("w1", "k", entry(T0.plus(WINDOW)), expiredAt(T0.plus(WINDOW)));
        Path dir = data.resolve("idempotency/w1");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path marker : files.filter(f -> f.toString().endsWith(".next")).toList()) {
                Files.setLastModifiedTime(marker, java.nio.file.attribute.FileTime.from(T0));
            }
        }

        store.pruneExpired(T0.plus(WINDOW).plusSeconds(1), WINDOW);

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".next")).hasSize(1);
        }
    }
}
