package io.zaps.store;

import io.zaps.contract.workflow.WorkflowDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.zaps.store.FileStoreTest.workflow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Many writers of one workflow at once: no version is lost or given twice, and the current one never goes backwards. */
class WorkflowWritesConcurrencyTest {
    private static final int THREADS = 32;

    @TempDir
    Path data;

    @Test
    void theCurrentDefinitionIsAlwaysTheHighestVersionSavedWhateverOrderTheWritersFinishIn() throws Exception {
        FileStore store = new FileStore(data);
        for (int round = 0; round < 20; round++) {
            String id = "w" + round;
            List<Callable<Void>> writers = new ArrayList<>();
            for (int version = 1; version <= THREADS; version++) {
                int v = version;
                writers.add(() -> {
                    store.saveWorkflowVersion(workflow(id, v));
                    return null;
                });
            }
            runAtOnce(writers);

            assertThat(store.listWorkflowVersions(id)).containsExactlyElementsOf(IntStream.rangeClosed(1, THREADS).boxed().toList());
            assertThat(store.findWorkflow(id)).as("round %d", round)
                    .hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(THREADS));
        }
    }

    @Test
    void parallelWritersAreSerializedEachGetsItsOwnVersionAndNoneIsRefused() throws Exception {
        FileStore store = new FileStore(data);
        store.saveWorkflow("w", (current, next) -> stamped(named("w", "first"), next));
        List<Callable<Integer>> writers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String name = "update " + i;
            writers.add(() -> store.saveWorkflow("w", (current, next) -> {
                assertThat(current).as("an update sees the version before it").hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(next - 1));
                return stamped(named("w", name), next);
            }).version());
        }

        List<Integer> versions = runAtOnce(writers);

        assertThat(versions.stream().sorted().toList()).isEqualTo(IntStream.rangeClosed(2, 51).boxed().toList());
        assertThat(store.listWorkflowVersions("w")).isEqualTo(IntStream.rangeClosed(1, 51).boxed().toList());
        assertThat(store.findWorkflow("w")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(51));
    }

    @Test
    void ofParallelCreatesOfOneIdExactlyOneWins() throws Exception {
        FileStore store = new FileStore(data);
        for (int round = 0; round < 10; round++) {
            String id = "new" + round;
            List<Callable<Boolean>> creators = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                creators.add(() -> {
                    try {
                        store.saveWorkflow(id, (current, next) -> {
                            if (current.isPresent()) {
                                throw new IllegalStateException("exists");
                            }
                            return stamped(named(id, "created"), next);
                        });
                        return true;
                    } catch (IllegalStateException e) {
                        return false;
                    }
                });
            }

            assertThat(runAtOnce(creators)).as("round %d", round).containsOnlyOnce(true);
            assertThat(store.listWorkflowVersions(id)).containsExactly(1);
        }
    }

    @Test
    void aChangeThatThrowsStoresNothingAndReleasesTheLock() {
        FileStore store = new FileStore(data);
        store.saveWorkflow("w", (current, next) -> stamped(named("w", "first"), next));
        assertThatThrownBy(() -> store.saveWorkflow("w", (current, next) -> {
            throw new IllegalStateException("refused");
        })).hasMessage("refused");
        assertThatThrownBy(() -> store.saveWorkflow("w", (current, next) -> stamped(named("w", "wrong number"), next + 1)))
                .isInstanceOf(IllegalArgumentException.class);

        assertThat(store.saveWorkflow("w", (current, next) -> stamped(named("w", "second"), next)).version()).isEqualTo(2);
        assertThat(store.listWorkflowVersions("w")).containsExactly(1, 2);
    }

    @Test
    void aDeleteIsCheckedUnderTheLockAndAnUnknownIdLeavesNothingBehind() {
        FileStore store = new FileStore(data);
        store.saveWorkflow("w", (current, next) -> stamped(named("w", "first"), next));
        assertThatThrownBy(() -> store.deleteWorkflow("w", current -> {
            throw new IllegalStateException("not version " + current.version());
        })).hasMessage("not version 1");
        assertThat(store.findWorkflow("w")).isPresent();
        assertThat(store.deleteWorkflow("w", current -> {})).isTrue();
        assertThat(store.findWorkflow("w")).isEmpty();

        // a create after the delete goes on counting
        assertThat(store.saveWorkflow("w", (current, next) -> stamped(named("w", "again"), next)).version()).isEqualTo(2);

        assertThat(store.deleteWorkflow("never")).isFalse();
        assertThat(data.resolve("workflow-versions/never")).doesNotExist();
    }

    @Test
    void writersInOtherProcessesAreSerializedToo() throws Exception {
        FileStore store = new FileStore(data);
        Path go = data.resolve("go");
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), WorkflowWriterProcess.class.getName(),
                    data.toString(), "shared", "40", go.toString())
                    .redirectErrorStream(true).start());
        }
        List<Callable<List<Integer>>> local = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            local.add(() -> {
                List<Integer> mine = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    mine.add(WorkflowWriterProcess.writeOnce(store, "shared"));
                }
                return mine;
            });
        }
        // The children wait for this file, so they write while these threads do (a JVM start takes longer than the writes).
        Thread.sleep(1500);
        Files.createFile(go);
        List<Integer> versions = new ArrayList<>();
        runAtOnce(local).forEach(versions::addAll);
        for (Process process : processes) {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.exitValue()).as(output).isZero();
            output.lines().filter(l -> l.startsWith("version ")).map(l -> Integer.parseInt(l.substring(8))).forEach(versions::add);
        }

        assertThat(versions).hasSize(120);
        assertThat(versions.stream().sorted().toList()).as("every version given to exactly one writer")
                .isEqualTo(IntStream.rangeClosed(1, 120).boxed().toList());
        assertThat(store.findWorkflow("shared")).hasValueSatisfying(w -> assertThat(w.version()).isEqualTo(120));
    }

    /** Starts every task at the same moment and waits for all; fails on the first exception. */
    static <T> List<T> runAtOnce(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch ready = new CountDownLatch(tasks.size());
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    ready.countDown();
                    go.await();
                    return task.call();
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    static WorkflowDefinition stamped(WorkflowDefinition definition, int version) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        return definition.stamped(version, t, t.plusSeconds(version));
    }

    static WorkflowDefinition named(String id, String name) {
        WorkflowDefinition w = workflow(id, 1);
        return new WorkflowDefinition(id, name, w.description(), w.entryPoint(), w.status(), w.steps(), null, null, null);
    }
}
