package io.zaps.executor.stream;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the native memory of every executor state store in this process by one budget
 * ({@code zaps.executor.state-store-memory}): one LRU block cache shared by all stores, against which their
 * memtables are charged too (a {@link WriteBufferManager} on that cache), and index and filter blocks kept in
 * the cache instead of beside it.
 *
 * <p>Why: Kafka Streams gives each RocksDB instance its own 50 MiB block cache and up to three 16 MiB memtables.
 * The executor has five stores on each of its six partitions, thirty instances: idle they cost little, but their
 * memtables fill with every run (a put and a delete of the run, a finished-run entry, its expiry) and are flushed
 * only at 16 MiB each, so what they may hold resident is bounded only by 30 x (50 + 3 x 16) MiB, ~2.9 GiB. With
 * the budget, RocksDB flushes the largest memtable when all of them together reach half of it; the stores hold
 * little (live runs, and finished runs' ids for a day), so flushes stay small. Only memory changes: what is
 * written, and the changelog topics, are as before (docs/benchmarks.md, session 11).
 *
 * <p>Shared per budget and per process, as the Kafka Streams memory-management guide does it; never closed (the
 * stores that use them may outlive any one {@code KafkaStreams}, e.g. in tests starting several).
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** The Streams config key carrying the budget in bytes (set by {@link ExecutorStreams#streamsConfig}). */
    public static final String BUDGET_CONFIG = "zaps.executor.state-store-memory.bytes";
    /** Memtables may take this share of the budget; the rest is for data, index and filter blocks. */
    static final double MEMTABLE_SHARE = 0.5;
    /** A store's memtable size: small, so that thirty stores fit the shared memtable budget without flushing tiny files. */
    static final long MEMTABLE_BYTES = 4L * 1024 * 1024;

    private static final Map<Long, Shared> SHARED = new ConcurrentHashMap<>();

    record Shared(Cache cache, WriteBufferManager writeBuffers) {
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long budget = budget(configs);
        Shared shared = shared(budget);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(shared.writeBuffers());
        options.setWriteBufferSize(Math.min(MEMTABLE_BYTES, Math.max(1L, (long) (budget * MEMTABLE_SHARE))));
        options.setMaxWriteBufferNumber(2);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store with this budget: not closed per store.
    }

    static Shared shared(long budget) {
        return SHARED.computeIfAbsent(budget, bytes -> {
            // strict capacity off: a full cache evicts, it does not fail reads; high-priority pool for index/filter blocks
            Cache cache = new LRUCache(bytes, -1, false, 0.1);
            return new Shared(cache, new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache));
        });
    }

    static long budget(Map<String, Object> configs) {
        Object value = configs.get(BUDGET_CONFIG);
        if (value == null) {
            throw new IllegalStateException(BUDGET_CONFIG + " is not set (ExecutorStreams.streamsConfig sets it)");
        }
        long budget = value instanceof Number number ? number.longValue() : Long.parseLong(value.toString().trim());
        if (budget <= 0) {
            throw new IllegalStateException(BUDGET_CONFIG + " must be positive (was " + budget + ")");
        }
        return budget;
    }
}
