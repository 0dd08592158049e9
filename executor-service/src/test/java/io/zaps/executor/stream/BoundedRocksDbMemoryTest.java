package io.zaps.executor.stream;

import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The store options the executor's Kafka Streams gets: every store charged to one shared budget. */
class BoundedRocksDbMemoryTest {
    static {
        RocksDB.loadLibrary();
    }

    private static final long BUDGET = 64L * 1024 * 1024;

    @Test
    void everyStoreUsesTheSharedCacheAndSmallMemtables() {
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options runs = new Options().setTableFormatConfig(new BlockBasedTableConfig());
             Options finished = new Options().setTableFormatConfig(new BlockBasedTableConfig())) {
            setter.setConfig("runs", runs, Map.of(BoundedRocksDbMemory.BUDGET_CONFIG, BUDGET));
            setter.setConfig("finished-runs", finished, Map.of(BoundedRocksDbMemory.BUDGET_CONFIG, Long.toString(BUDGET)));

            assertThat(runs.writeBufferSize()).isEqualTo(BoundedRocksDbMemory.MEMTABLE_BYTES);
            assertThat(runs.maxWriteBufferNumber()).isEqualTo(2);
            assertThat(((BlockBasedTableConfig) runs.tableFormatConfig()).cacheIndexAndFilterBlocks()).isTrue();
            assertThat(((BlockBasedTableConfig) finished.tableFormatConfig()).pinTopLevelIndexAndFilter()).isTrue();
            // the budget is one per process, whichever form the config value takes
            assertThat(BoundedRocksDbMemory.shared(BUDGET)).isSameAs(BoundedRocksDbMemory.shared(BUDGET));
            setter.close("runs", runs);
            setter.close("finished-runs", finished);
        }
    }

    @Test
    void aSmallBudgetGetsSmallerMemtables() {
        try (Options options = new Options().setTableFormatConfig(new BlockBasedTableConfig())) {
            new BoundedRocksDbMemory().setConfig("runs", options, Map.of(BoundedRocksDbMemory.BUDGET_CONFIG, 2L * 1024 * 1024));
            assertThat(options.writeBufferSize()).isEqualTo(1024 * 1024);
        }
    }

    @Test
    void aMissingOrNonPositiveBudgetIsRefused() {
        assertThatThrownBy(() -> BoundedRocksDbMemory.budget(Map.of())).hasMessageContaining(BoundedRocksDbMemory.BUDGET_CONFIG);
        assertThatThrownBy(() -> BoundedRocksDbMemory.budget(Map.of(BoundedRocksDbMemory.BUDGET_CONFIG, 0L))).hasMessageContaining("positive");
    }
}
