package io.zaps.local;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.ConfigurableEnvironment;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherEnvironmentTest {

    @AfterEach
    void clear() {
        System.clearProperty("ZAPS_DATA_DIR");
    }

    @Test
    void theLaunchersDataFolderAndKafkaWinOverTheProcesssOwnSettings() {
        // A system property stands in for the shell's ZAPS_DATA_DIR: both rank above Spring's default properties.
        System.setProperty("ZAPS_DATA_DIR", "/home/someone/real-zaps-data");
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
}
