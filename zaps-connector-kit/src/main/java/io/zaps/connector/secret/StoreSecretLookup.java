package io.zaps.connector.secret;

import io.zaps.store.SecretStore;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;

/**
 * The credential store of the shared data folder, opened on the first lookup: a connector whose steps never reference
 * a secret never touches {@code <data>/secrets} (nor creates a key file there).
 */
public final class StoreSecretLookup implements SecretLookup {
    private final Path dataDir;
    private final String masterKey;
    private final Clock clock;
    private volatile SecretStore store;

    /**
     * @param masterKey {@code ZAPS_MASTER_KEY} (base64 of 32 bytes), or null/blank to use the data folder's key file,
     *                  exactly as the gateway does
     */
    public StoreSecretLookup(Path dataDir, String masterKey, Clock clock) {
        this.dataDir = dataDir;
        this.masterKey = masterKey;
        this.clock = clock;
    }

    @Override
    public Optional<String> value(String name) {
        return store().value(name);
    }

    private SecretStore store() {
        SecretStore opened = store;
        if (opened == null) {
            synchronized (this) {
                opened = store;
                if (opened == null) {
                    opened = SecretStore.open(dataDir, masterKey, clock);
                    store = opened;
                }
            }
        }
        return opened;
    }
}
