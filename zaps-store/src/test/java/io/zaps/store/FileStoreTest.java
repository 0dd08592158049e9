package io.zaps.store;

import io.zaps.contract.Json;
import io.zaps.contract.run.RunSnapshot;
import io.zaps.contract.run.RunStatus;
import io.zaps.contract.workflow.StepDefinition;
import io.zaps.contract.workflow.WorkflowDefinition;
import io.zaps.contract.workflow.WorkflowStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileStoreTest {
    @TempDir
    Path data;

    static WorkflowDefinition workflow(String id, int version) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return new WorkflowDefinition(id, "Name", null, "a", WorkflowStatus.ACTIVE,
                List.of(new StepDefinition("a", "delay", Json.object().put("seconds", 1), null)), version, t, t.plusSeconds(version));
    }

    static RunSnapshot run(String runId, String workflowId, long revision, RunStatus status, Instant created) {
        return new RunSnapshot(runId, workflowId, 1, status, created, null, null, created, Json.object(), Map.of(), null, null, revision);
    }

    @Test
    void workflowsAndTheirVersionsRoundTrip() {
        FileStore store = new FileStore(data);
        store.saveWorkflowVersion(workflow("w1", 1));
        store.saveWorkflowVersion(workflow("w1", 2));
        assertThat(store.findWorkflow("w1")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(2));
        assertThat(store.findWorkflowVersion("w1", 1)).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(1));
        assertThat(store.listWorkflowVersions("w1")).containsExactly(1, 2);
        assertThat(store.listWorkflows()).extracting(WorkflowDefinition::id).containsExactly("w1");
        assertThat(Files.exists(data.resolve("workflows/w1.json"))).isTrue();
        assertThatThrownBy(() -> store.saveWorkflowVersion(workflow("w1", 2))).isInstanceOf(VersionConflictException.class);
        assertThat(store.deleteWorkflow("w1")).isTrue();
        assertThat(store.findWorkflow("w1")).isEmpty();
        assertThat(store.findWorkflowVersion("w1", 2)).isPresent();
    }

    @Test
    void unsafeIdsNeverBecomePaths() throws IOException {
        FileStore store = new FileStore(data.resolve("inner"));
        for (String bad : List.of("../../x", "..", "a/b", "a\\b", "", ".hidden", "x".repeat(65))) {
            assertThatThrownBy(() -> store.findWorkflow(bad)).isInstanceOf(UnsafeIdException.class);
            assertThatThrownBy(() -> store.saveWorkflowVersion(workflow(bad, 1))).isInstanceOf(UnsafeIdException.class);
        }
        assertThatThrownBy(() -> store.findRun("../runs/x")).isInstanceOf(UnsafeIdException.class);
        assertThatThrownBy(() -> store.findRun("7C9E6679-7425-40DE-944B-E07FC1F90AE7")).isInstanceOf(UnsafeIdException.class);
        try (Stream<Path> files = Files.walk(data)) {
            assertThat(files.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void aRunSnapshotNeverGoesBackwards() {
        FileStore store = new FileStore(data);
        String id = UUID.randomUUID().toString();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(store.saveRunIfNewer(run(id, "w1", 3, RunStatus.RUNNING, t))).isTrue();
        assertThat(store.saveRunIfNewer(run(id, "w1", 2, RunStatus.PENDING, t))).isFalse();
        assertThat(store.saveRunIfNewer(run(id, "w1", 3, RunStatus.FAILED, t))).isFalse();
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(RunStatus.RUNNING));
        assertThat(store.saveRunIfNewer(run(id, "w1", 4, RunStatus.COMPLETED, t))).isTrue();
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(4));
    }

    @Test
    void aStampedSaveSkipsReadingItsOwnFileButNeverGoesBackwards() throws IOException {
        FileStore store = new FileStore(data);
        String id = UUID.randomUUID().toString();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(store.createRun(run(id, "w1", 0, RunStatus.PENDING, t))).isTrue();

        FileStore.RunFileStamp first = store.saveRunIfNewer(run(id, "w1", 2, RunStatus.RUNNING, t), null);
        assertThat(first).isNotNull();
        assertThat(first.revision()).isEqualTo(2);
        assertThat(store.saveRunIfNewer(run(id, "w1", 1, RunStatus.PENDING, t), first)).isSameAs(first);
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(2));

        FileStore.RunFileStamp second = store.saveRunIfNewer(run(id, "w1", 3, RunStatus.RUNNING, t), first);
        assertThat(second.revision()).isEqualTo(3);
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(3));
        assertThat(store.listRuns("w1", 10)).extracting(RunSnapshot::runId).containsExactly(id);

        // Another writer replaces the file with a higher revision: a stale stamp must not let revision 4 win.
        assertThat(store.saveRunIfNewer(run(id, "w1", 5, RunStatus.COMPLETED, t))).isTrue();
        assertThat(store.saveRunIfNewer(run(id, "w1", 4, RunStatus.RUNNING, t), second)).isNull();
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(5));

        // The file removed behind the writer's back: written again, and indexed.
        Files.delete(data.resolve("runs/" + id + ".json"));
        FileStore.RunFileStamp again = store.saveRunIfNewer(run(id, "w1", 6, RunStatus.COMPLETED, t), second);
        assertThat(again.revision()).isEqualTo(6);
        assertThat(store.findRun(id)).hasValueSatisfying(r -> assertThat(r.revision()).isEqualTo(6));
    }

    @Test
    void aLimitedListingReadsOnlyTheNewestSnapshotsEvenWhenRunsWereWrittenOutOfOrder() throws Exception {
        FileStore store = new FileStore(data);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(UUID.randomUUID().toString());
        }
        // written in a shuffled order; created_at is what orders them
        List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 40).boxed().toList());
        java.util.Collections.shuffle(order, new java.util.Random(7));
        for (int i : order) {
            store.saveRunIfNewer(run(ids.get(i), "w1", 1, RunStatus.COMPLETED, t.plusSeconds(i)));
        }
        // Old snapshots that would be listed if they were read: corrupt them; the listing must not touch them.
        for (int i = 0; i < 35; i++) {
            Files.writeString(data.resolve("runs/" + ids.get(i) + ".json"), "{not json");
        }
        assertThat(store.listRuns("w1", 5)).extracting(RunSnapshot::runId)
                .containsExactly(ids.get(39), ids.get(38), ids.get(37), ids.get(36), ids.get(35));
        // a pruned run's marker left behind is skipped
        Files.delete(data.resolve("runs/" + ids.get(39) + ".json"));
        assertThat(store.listRuns("w1", 4)).extracting(RunSnapshot::runId)
                .containsExactly(ids.get(38), ids.get(37), ids.get(36), ids.get(35));
    }

    @Test
    void createRunIsExclusiveAndRunsAreListedNewestFirst() {
        FileStore store = new FileStore(data);
        String older = UUID.randomUUID().toString();
        String newer = UUID.randomUUID().toString();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(store.createRun(run(older, "w1", 0, RunStatus.PENDING, t))).isTrue();
        assertThat(store.createRun(run(older, "w1", 0, RunStatus.PENDING, t))).isFalse();
        store.saveRunIfNewer(run(newer, "w1", 1, RunStatus.RUNNING, t.plusSeconds(5)));
        store.saveRunIfNewer(run(UUID.randomUUID().toString(), "other", 1, RunStatus.RUNNING, t));
        assertThat(store.listRuns("w1", 10)).extracting(RunSnapshot::runId).containsExactly(newer, older);
        assertThat(store.listRuns("w1", 1)).extracting(RunSnapshot::runId).containsExactly(newer);
    }

    @Test
    void aCorruptFileIsReportedNotSkipped() throws IOException {
        FileStore store = new FileStore(data);
        Files.writeString(data.resolve("workflows/broken.json"), "{ not json");
        assertThatThrownBy(() -> store.findWorkflow("broken")).isInstanceOf(CorruptFileException.class).hasMessageContaining("broken.json");
        String id = UUID.randomUUID().toString();
        Files.writeString(data.resolve("runs/" + id + ".json"), "{ half a fi");
        assertThatThrownBy(() -> store.findRun(id)).isInstanceOf(CorruptFileException.class);
        // the projector can still repair it with a good snapshot
        assertThat(store.saveRunIfNewer(run(id, "w1", 1, RunStatus.RUNNING, Instant.now()))).isTrue();
        assertThat(store.findRun(id)).isPresent();
    }

    @Test
    void theStoredRevisionIsReadWithoutBindingTheSnapshotAndAnUnreadableFileHasNone() throws IOException {
        FileStore store = new FileStore(data);
        String id = UUID.randomUUID().toString();
        Path file = data.resolve("runs/" + id + ".json");
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(-1);
        store.saveRunIfNewer(run(id, "w1", 7, RunStatus.RUNNING, Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(7);

        String whole = Files.readString(file);
        Files.writeString(file, whole.substring(0, whole.length() - 1)); // truncated after the revision
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(-1);
        Files.writeString(file, whole + " {}");
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(-1);
        Files.writeString(file, "[1, 2]");
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(-1);
        Files.writeString(file, "{\"revision\": \"7\"}");
        assertThat(RunFileHeads.storedRevision(file)).isEqualTo(-1);
        Files.writeString(file, "{\"steps\": [{\"revision\": 99}], \"revision\": 3, \"context\": {\"revision\": 98}}");
        assertThat(RunFileHeads.storedRevision(file)).as("only the top-level field counts").isEqualTo(3);
    }

    @Test
    void writesLeaveNoTemporaryFilesBehind() throws IOException {
        FileStore store = new FileStore(data);
        store.saveWorkflowVersion(workflow("w1", 1));
        store.createRun(run(UUID.randomUUID().toString(), "w1", 0, RunStatus.PENDING, Instant.now()));
        try (Stream<Path> files = Files.walk(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp-"));
        }
    }
    @Test
    void pruningDeletesOnlyRunsThatFinishedBeforeTheCutoffAndTheirIndexMarkers() throws IOException {
        FileStore store = new FileStore(data);
        Instant cutoff = Instant.parse("2026-02-01T00:00:00Z");
        Instant old = cutoff.minus(java.time.Duration.ofDays(10));
        String completedOld = UUID.randomUUID().toString();
        String failedOld = UUID.randomUUID().toString();
        String completedRecently = UUID.randomUUID().toString();
        String runningLong = UUID.randomUUID().toString();
        store.saveRunIfNewer(finished(completedOld, RunStatus.COMPLETED, old));
        store.saveRunIfNewer(finished(failedOld, RunStatus.FAILED, old));
        store.saveRunIfNewer(finished(completedRecently, RunStatus.COMPLETED, cutoff.plusSeconds(60)));
        store.saveRunIfNewer(run(runningLong, "w1", 2, RunStatus.RUNNING, old));
        Path leftover = data.resolve("runs/.tmp-123-1");
        Files.writeString(leftover, "x");
        for (String id : List.of(completedOld, failedOld, completedRecently, runningLong)) {
            Files.setLastModifiedTime(data.resolve("runs/" + id + ".json"), java.nio.file.attribute.FileTime.from(old));
        }
        Files.setLastModifiedTime(leftover, java.nio.file.attribute.FileTime.from(old));

        assertThat(store.pruneFinishedRuns(cutoff)).isEqualTo(2);

        assertThat(store.findRun(completedOld)).isEmpty();
        assertThat(store.findRun(failedOld)).isEmpty();
        assertThat(store.findRun(completedRecently)).as("finished after the cutoff").isPresent();
        assertThat(store.findRun(runningLong)).as("not finished").isPresent();
        assertThat(leftover).doesNotExist();
        assertThat(data.resolve("index/workflow-runs/w1/" + completedOld)).doesNotExist();
        assertThat(store.listRuns("w1", 10)).extracting(RunSnapshot::runId).containsExactlyInAnyOrder(completedRecently, runningLong);
        assertThat(store.pruneFinishedRuns(cutoff)).isZero();
    }

    @Test
    void pruningSkipsFilesWrittenAfterTheCutoffWithoutReadingThem() throws IOException {
        FileStore store = new FileStore(data);
        Instant cutoff = Instant.parse("2026-02-01T00:00:00Z");
        String id = UUID.randomUUID().toString();
        store.saveRunIfNewer(finished(id, RunStatus.COMPLETED, cutoff.minusSeconds(3600)));
        Files.setLastModifiedTime(data.resolve("runs/" + id + ".json"), java.nio.file.attribute.FileTime.from(cutoff.plusSeconds(1)));
        Files.writeString(data.resolve("runs/" + UUID.randomUUID() + ".json"), "{corrupt");

        assertThat(store.pruneFinishedRuns(cutoff)).isZero();
        assertThat(store.findRun(id)).isPresent();
    }

    @Test
    void whatRunsUnderTheWorkflowLockSeesTheWriteAndTheHeadNamesTheHighestVersionAfterADelete() {
        FileStore store = new FileStore(data);
        List<String> published = new java.util.ArrayList<>();
        store.saveWorkflow("w1", (current, next) -> workflow("w1", next), saved -> published.add("saved " + saved.version()));
        store.saveWorkflow("w1", (current, next) -> workflow("w1", next), saved -> published.add("saved " + saved.version()));
        assertThat(store.deleteWorkflow("w1", current -> {}, removed -> published.add("deleted " + removed.version()))).isTrue();
        assertThat(published).containsExactly("saved 1", "saved 2", "deleted 2");

        FileStore.WorkflowHead head = store.inspectWorkflow("w1", h -> h);
        assertThat(head.current()).isEmpty();
        assertThat(head.highestVersion()).isEqualTo(2);
        assertThat(store.listWorkflowIdsEverSaved()).containsExactly("w1");
        assertThat(store.workflowFile("w1")).isEqualTo(data.toAbsolutePath().normalize().resolve("workflows/w1.json")).doesNotExist();

        // a failure under the lock reaches the caller; the version stays saved
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.saveWorkflow("w1", (current, next) -> workflow("w1", next), saved -> {
            throw new IllegalStateException("kafka down");
        })).hasMessage("kafka down");
        assertThat(store.findWorkflow("w1")).get().extracting(WorkflowDefinition::version).isEqualTo(3);
    }

    private static RunSnapshot finished(String runId, RunStatus status, Instant completedAt) {
        return new RunSnapshot(runId, "w1", 1, status, completedAt.minusSeconds(5), completedAt.minusSeconds(5), completedAt,
                completedAt, Json.object(), Map.of(), null, null, 3);
    }
}
