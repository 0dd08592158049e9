package io.zaps.gateway.hook;

import io.zaps.store.UnsafeIdException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignatureReplayStoreTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String SIG = "ab".repeat(32);
    private static final String OTHER = "cd".repeat(32);

    @TempDir
    Path data;

    @Test
    void aSignatureIsClaimedOncePerWorkflow() {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        long ts = NOW.getEpochSecond();
        assertThat(store.claim("shop", ts, SIG)).isTrue();
        assertThat(store.claim("shop", ts, SIG)).isFalse();
        assertThat(store.claim("shop", ts, OTHER)).isTrue();
        assertThat(store.claim("other_shop", ts, SIG)).isTrue();
        // a second gateway on the same folder sees the claim
        assertThat(new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC)).claim("shop", ts, SIG)).isFalse();
        assertThat(data.resolve("webhook-signatures").resolve("shop").resolve(ts + "-" + SIG)).exists();
    }

    @Test
    void aReleasedClaimCanBeMadeAgain() {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        long ts = NOW.getEpochSecond();
        assertThat(store.claim("shop", ts, SIG)).isTrue();
        store.release("shop", ts, SIG);
        assertThat(store.claim("shop", ts, SIG)).isTrue();
    }

    @Test
    void racingClaimsHaveOneWinner() throws Exception {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                claims.add(pool.submit(() -> {
                    start.await();
                    return store.claim("race", NOW.getEpochSecond(), SIG);
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Boolean> claim : claims) {
                won += claim.get(30, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        try (var files = Files.list(data.resolve("webhook-signatures").resolve("race"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly(NOW.getEpochSecond() + "-" + SIG);
        }
    }

    @Test
    void markersOlderThanTheLargestToleranceArePruned() {
        long ts = NOW.getEpochSecond();
        SignatureReplayStore early = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(early.claim("shop", ts, SIG)).isTrue();
        assertThat(early.claim("shop", ts + 120, OTHER)).isTrue();

        Instant later = NOW.plus(SignatureReplayStore.KEEP).plusSeconds(1);
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(later, ZoneOffset.UTC));
        assertThat(store.prune()).isEqualTo(1);
        assertThat(store.claim("shop", ts, SIG)).isTrue(); // only a stale timestamp could carry it now, and that is refused
        assertThat(store.claim("shop", ts + 120, OTHER)).isFalse();
    }

    @Test
    void claimsPruneNowAndThen() {
        long ts = NOW.getEpochSecond();
        new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC)).claim("shop", ts, SIG);
        Path marker = data.resolve("webhook-signatures").resolve("shop").resolve(ts + "-" + SIG);
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        store.claim("other", ts + 7200, OTHER);
        assertThat(marker).doesNotExist();
    }

    @Test
    void idsAndSignaturesCannotEscapeTheFolder() {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> store.claim("../etc", 1, SIG)).isInstanceOf(UnsafeIdException.class);
        assertThatThrownBy(() -> store.claim("shop", 1, "../../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim("shop", -1, SIG)).isInstanceOf(IllegalArgumentException.class);
    }
}
