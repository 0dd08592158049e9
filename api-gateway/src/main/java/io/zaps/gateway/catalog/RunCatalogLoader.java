package io.zaps.gateway.catalog;

import io.zaps.store.FileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Fills the {@link RunCatalog} from the data folder once at start-up, on a thread of its own so that the gateway
 * answers meanwhile (listings wait for it; everything else does not). Started before the run projector, whose
 * snapshots may then race with the scan: the catalog keeps the higher revision.
 */
final class RunCatalogLoader implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(RunCatalogLoader.class);

    private final FileStore store;
    private final RunCatalog catalog;
    private volatile Thread thread;

    RunCatalogLoader(FileStore store, RunCatalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = new Thread(this::load, "zaps-run-catalog-scan");
        thread.setDaemon(true);
        thread.start();
    }

    private void load() {
        long start = System.nanoTime();
        try {
            FileStore.RunScan scan = store.scanRuns(catalog::load);
            log.info("run catalog: {} runs read from the data folder in {} ms{}", scan.runs(), (System.nanoTime() - start) / 1_000_000,
                    scan.skipped() == 0 ? "" : " (" + scan.skipped() + " unreadable run files skipped)");
        } catch (RuntimeException e) {
            // Listings then show what the projector writes from now on; the rest is still in the store.
            log.error("run catalog: the data folder could not be scanned; run listings show only runs written from now on", e);
        } finally {
            catalog.loadedAll();
        }
    }

    @Override
    public void stop() {
        // the scan only reads; a daemon thread ends with the JVM
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    /** Before the Kafka listener containers (phase {@code Integer.MAX_VALUE - 100}), so the scan starts first. */
    @Override
    public int getPhase() {
        return Integer.MIN_VALUE + 1000;
    }
}
