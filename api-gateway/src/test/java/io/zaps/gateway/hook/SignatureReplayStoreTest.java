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
        assertThat(marker("shop", ts, SIG)).exists();
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
        try (var files = Files.list(marker("race", NOW.getEpochSecond(), SIG).getParent())) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly(NOW.getEpochSecond() + "-" + SIG);
        }
    }

    @Test
    void markersAreKeptInOneFolderPerMinuteOfTheirTimestamp() throws Exception {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        long ts = NOW.getEpochSecond(); // 12:00:00
        assertThat(store.claim("shop", ts, SIG)).isTrue();
        assertThat(store.claim("shop", ts + 59, SIG)).isTrue();
        assertThat(store.claim("shop", ts + 60, SIG)).isTrue();
        Path shop = data.resolve("webhook-signatures").resolve("shop");
        assertThat(shop.resolve(Long.toString(ts / 60))).isDirectoryContaining(p -> p.getFileName().toString().equals(ts + "-" + SIG))
                .isDirectoryContaining(p -> p.getFileName().toString().equals((ts + 59) + "-" + SIG));
        assertThat(shop.resolve(Long.toString(ts / 60 + 1))).isDirectoryContaining(p -> p.getFileName().toString().equals((ts + 60) + "-" + SIG));
        assertThat(store.claim("shop", ts + 59, SIG)).isFalse();
        // no temp file is left behind
        try (var files = Files.list(shop.resolve(Long.toString(ts / 60)))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(ts + "-" + SIG, (ts + 59) + "-" + SIG);
        }
    }

    @Test
    void minuteFoldersOlderThanTheLargestToleranceArePrunedWhole() {
        long ts = NOW.getEpochSecond();
        SignatureReplayStore early = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(early.claim("shop", ts, SIG)).isTrue();
        assertThat(early.claim("shop", ts + 30, OTHER)).isTrue();
        assertThat(early.claim("shop", ts + 120, OTHER)).isTrue();

        // the minute of ts is kept while any of its timestamps (up to ts + 59) is within KEEP
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW.plus(SignatureReplayStore.KEEP).plusSeconds(59), ZoneOffset.UTC));
        assertThat(store.prune()).isZero();
        assertThat(store.claim("shop", ts + 30, OTHER)).isFalse();

        store = new SignatureReplayStore(data, Clock.fixed(NOW.plus(SignatureReplayStore.KEEP).plusSeconds(60), ZoneOffset.UTC));
        assertThat(store.prune()).isEqualTo(2);
        assertThat(data.resolve("webhook-signatures").resolve("shop").resolve(Long.toString(ts / 60))).doesNotExist();
        assertThat(store.claim("shop", ts, SIG)).isTrue(); // only a stale timestamp could carry it now, and that is refused
        assertThat(store.claim("shop", ts + 120, OTHER)).isFalse();
    }

    @Test
    void claimsPruneNowAndThen() {
        long ts = NOW.getEpochSecond();
        new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC)).claim("shop", ts, SIG);
        Path marker = marker("shop", ts, SIG);
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        store.claim("other", ts + 7200, OTHER);
        assertThat(marker).doesNotExist();
    }

    @Test
    void flatMarkersOfTheLayoutBeforeMinuteFoldersStillRefuseTheirReplayUntilPruned() throws Exception {
        long ts = NOW.getEpochSecond();
        Path shop = Files.createDirectories(data.resolve("webhook-signatures").resolve("shop"));
        Files.createFile(shop.resolve(ts + "-" + SIG));
        Files.createFile(shop.resolve((ts - 7200) + "-" + OTHER));

        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(store.claim("shop", ts, SIG)).isFalse();
        assertThat(shop.resolve(ts + "-" + SIG)).exists();
        assertThat(shop.resolve((ts - 7200) + "-" + OTHER)).doesNotExist(); // the first claim pruned the stale one

        SignatureReplayStore later = new SignatureReplayStore(data, Clock.fixed(NOW.plus(Duration.ofHours(2)), ZoneOffset.UTC));
        assertThat(later.prune()).isEqualTo(1);
        assertThat(shop.resolve(ts + "-" + SIG)).doesNotExist();
    }

    @Test
    void aClaimSurvivesARestartOfTheGateway() {
        long ts = NOW.getEpochSecond();
        assertThat(new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC)).claim("shop", ts, SIG)).isTrue();
        SignatureReplayStore restarted = new SignatureReplayStore(data, Clock.fixed(NOW.plusSeconds(300), ZoneOffset.UTC));
        assertThat(restarted.claim("shop", ts, SIG)).isFalse();
    }

    private Path marker(String workflowId, long ts, String signature) {
        return data.resolve("webhook-signatures").resolve(workflowId).resolve(Long.toString(ts / 60)).resolve(ts + "-" + signature);
    }

    @Test
    void idsAndSignaturesCannotEscapeTheFolder() {
        SignatureReplayStore store = new SignatureReplayStore(data, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThatThrownBy(() -> store.claim("../etc", 1, SIG)).isInstanceOf(UnsafeIdException.class);
        assertThatThrownBy(() -> store.claim("shop", 1, "../../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.claim("shop", -1, SIG)).isInstanceOf(IllegalArgumentException.class);
    }
}
