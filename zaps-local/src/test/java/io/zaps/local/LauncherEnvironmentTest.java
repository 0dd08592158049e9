package io.zaps.local;

import io.zaps.connector.ConnectorProperties;
import io.zaps.connector.pdf.PdfProperties;
import io.zaps.local.ZapsSystem.Service;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherEnvironmentTest {
    /** What the process says; system properties stand in for the shell's variables: both rank above Spring's default properties. */
    private static final Map<String, String> PROCESS = Map.of(
            "ZAPS_DATA_DIR", "/home/someone/real-zaps-data", "ZAPS_BOOTSTRAP_SERVERS", "localhost:1", "ZAPS_HTTP_PORT", "1");

    @AfterEach
    void clear() {
        PROCESS.keySet().forEach(System::clearProperty);
    }

    @Test
    void theLaunchersDataFolderAndKafkaWinOverTheProcesssOwnSettings() {
        System.setProperty("ZAPS_DATA_DIR", PROCESS.get("ZAPS_DATA_DIR"));
        ConfigurableEnvironment environment = ZapsSystem.launcherEnvironment(Map.of(
                "ZAPS_DATA_DIR", "/tmp/zaps-bench-1", "ZAPS_BOOTSTRAP_SERVERS", "localhost:40001"));

        assertThat(environment.getProperty("ZAPS_DATA_DIR")).isEqualTo("/tmp/zaps-bench-1");
        assertThat(environment.resolvePlaceholders("${ZAPS_DATA_DIR:./.zaps}/runs")).isEqualTo("/tmp/zaps-bench-1/runs");
        assertThat(environment.resolvePlaceholders("${ZAPS_BOOTSTRAP_SERVERS:localhost:9092}")).isEqualTo("localhost:40001");
        assertThat(environment.getProperty("user.home")).as("everything else still comes from the process").isNotBlank();
    }

    @Test
    void everyServiceIsToldWhatTheLauncherDecides() {
        assertThat(ZapsSystem.LAUNCHER_DECIDES).contains("ZAPS_DATA_DIR", "ZAPS_BOOTSTRAP_SERVERS", "spring.kafka.bootstrap-servers");
    }

    /**
     * The decisions reach a service the launcher actually starts: its configuration binds the launcher's data folder,
     * broker and gateway port, not the conflicting ones of the process. connector-pdf reads all three and is the
     * lightest service to start (no web server, no state stores).
     */
    @Test
    void aStartedServiceBindsTheLaunchersDecisionsNotTheProcesss(@TempDir Path root) throws Exception {
        PROCESS.forEach(System::setProperty);
        Path dataDir = root.resolve("pdf");
        int httpPort = ZapsSystem.freePort();
        try (LocalKafkaBroker broker = new LocalKafkaBroker(root.resolve("broker"), ZapsSystem.freePort(), ZapsSystem.freePort()).start();
             ConfigurableApplicationContext pdf = ZapsSystem.startService(Service.CONNECTOR_PDF, dataDir, broker.bootstrapServers(), httpPort, Map.of())) {

            assertThat(pdf.getBean(PdfProperties.class).dataDir()).isEqualTo(dataDir);
            assertThat(pdf.getEnvironment().getProperty("spring.kafka.bootstrap-servers")).isEqualTo(broker.bootstrapServers());
            assertThat(pdf.getBean(ConnectorProperties.class).gatewayAddresses())
                    .as("the connectors refuse calls to the launcher's gateway port").containsExactly("*:" + httpPort);
        }
    }
}
