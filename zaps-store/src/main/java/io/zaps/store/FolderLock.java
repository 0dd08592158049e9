package io.zaps.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * A write lock in the data folder that holds between processes sharing it: an OS file lock on a lock file, which keeps
 * out writers in other processes and is released when its process dies; and before it a lock within this JVM, because a
 * file lock belongs to the whole process: two threads of one JVM would not exclude each other with it (the second gets an
 * OverlappingFileLockException). A lock file is never deleted: a writer waiting on a deleted file would hold a lock nobody
 * else sees.
 */
final class FolderLock {
    /** One lock in this JVM per stripe of lock files (bounded, unlike one per file); shared by every store instance. */
    private static final ReentrantLock[] LOCAL_LOCKS = IntStream.range(0, 64).mapToObj(i -> new ReentrantLock()).toArray(ReentrantLock[]::new);

    private FolderLock() {
    }

    /** Runs {@code action} holding the lock of {@code lockFile} (created with its folder when missing). */
    static <T> T withLock(Path lockFile, Supplier<T> action) {
        ReentrantLock local = LOCAL_LOCKS[Math.floorMod(lockFile.hashCode(), LOCAL_LOCKS.length)];
        local.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new StoreException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }
}
