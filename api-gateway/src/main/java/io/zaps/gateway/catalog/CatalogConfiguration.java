package io.zaps.gateway.catalog;

import io.zaps.gateway.GatewayProperties;
import io.zaps.store.FileStore;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The run catalog, its start-up scan, and the run stream fed by it. */
@Configuration(proxyBeanMethods = false)
class CatalogConfiguration {

    @Bean
    RunCatalog gatewayRunCatalog() {
        return new RunCatalog();
    }

    @Bean
    RunCatalogLoader gatewayRunCatalogLoader(FileStore gatewayFileStore, RunCatalog gatewayRunCatalog) {
        return new RunCatalogLoader(gatewayFileStore, gatewayRunCatalog);
    }

    @Bean
    RunStream gatewayRunStream(JsonMapper mapper, GatewayProperties properties, RunCatalog gatewayRunCatalog) {
        RunStream stream = new RunStream(mapper, properties.stream());
        gatewayRunCatalog.onChange(stream::publish);
        return stream;
    }
}
