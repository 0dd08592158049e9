package io.zaps.store;

import io.zaps.contract.workflow.WorkflowDefinition;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Another process writing a workflow in the same data folder, for {@link WorkflowWritesConcurrencyTest}: waits for the
 * go file, saves {@code count} new versions and prints each version it got ({@code version <n>}).
 */
public final class WorkflowWriterProcess {
    private WorkflowWriterProcess() {}

    public static void main(String[] args) throws Exception {
        FileStore store = new FileStore(Path.of(args[0]));
        String id = args[1];
        int count = Integer.parseInt(args[2]);
        Path go = Path.of(args[3]);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!Files.exists(go)) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("no go file " + go + " within 30 s");
            }
            Thread.sleep(5);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < count; i++) {
            out.append("version ").append(writeOnce(store, id)).append('\n');
        }
        // One write at the end: the parent reads the lines after the process ended.
        System.out.print(out);
        System.out.flush();
    }

    /** Saves the next version of {@code id} (creating it if needed) and returns its number. */
    static int writeOnce(FileStore store, String id) {
        return store.saveWorkflow(id, (current, next) -> {
            if (next > 1 && current.map(WorkflowDefinition::version).orElse(0) != next - 1) {
                throw new IllegalStateException("version " + next + " saw current " + current.map(WorkflowDefinition::version));
            }
            return WorkflowWritesConcurrencyTest.stamped(WorkflowWritesConcurrencyTest.named(id, "from " + ProcessHandle.current().pid()), next);
        }).version();
    }
}
