package io.zaps.executor;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts as the launcher starts it, next to a foreign application.yml; streams left stopped (no broker). */
class ExecutorApplicationTest {

    @Test
    void theFactoryReadsExecutorServiceYmlOnly() {
        try (ConfigurableApplicationContext context = ExecutorApplication.application().run("--zaps.executor.auto-startup=false")) {
            assertOwnConfiguration(context);
        }
    }

    @Test
    void theLaunchersWayReadsExecutorServiceYmlOnly() {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ExecutorApplication.class)
                .properties("spring.config.name=" + ExecutorApplication.CONFIG_NAME, "zaps.executor.auto-startup=false")
                .run()) {
            assertOwnConfiguration(context);
        }
    }

    private static void assertOwnConfiguration(ConfigurableApplicationContext context) {
        assertThat(context.getEnvironment().getProperty("spring.application.name")).isEqualTo("zaps-executor");
        assertThat(context.getEnvironment().getProperty("spring.main.web-application-type")).isEqualTo("none");
        assertThat(context.getEnvironment().getProperty("logging.level.org.apache.kafka")).isEqualTo("WARN");
        assertThat(context.getBean(ExecutorProperties.class).applicationId()).isEqualTo("zaps-executor");
    }
}
