package io.zaps.gateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Zaps API gateway: REST API for workflows and runs, trigger publishing, and the projector that
 * writes run snapshots from {@code zaps.run-events} into the file store.
 */
@SpringBootApplication(scanBasePackages = "io.zaps.gateway")
@ConfigurationPropertiesScan("io.zaps.gateway")
public class GatewayApplication {
    public static void main(String[] args) {
        SpringApplication.run(GatewayApplication.class, args);
    }
}
