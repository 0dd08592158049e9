package io.zaps.gateway.retention;

import io.zaps.gateway.GatewayProperties;
import io.zaps.gateway.catalog.RunCatalog;
import io.zaps.store.AttachmentStore;
import io.zaps.store.FileStore;
import io.zaps.store.IdempotencyStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/** The data folder's retention job ({@code zaps.gateway.retention-days}). */
@Configuration(proxyBeanMethods = false)
class RetentionConfiguration {

    @Bean
    RetentionJob gatewayRetentionJob(GatewayProperties properties, FileStore gatewayFileStore,
                                     IdempotencyStore gatewayIdempotencyStore, Clock gatewayClock, RunCatalog gatewayRunCatalog) {
        return new RetentionJob(properties.retentionDays(), properties.idempotencyWindow(), gatewayFileStore,
                gatewayIdempotencyStore, new AttachmentStore(properties.dataDir()), gatewayClock, gatewayRunCatalog::remove,
                cutoff -> gatewayRunCatalog.forgetDeleted(cutoff, gatewayFileStore::hasRun));
    }
}
