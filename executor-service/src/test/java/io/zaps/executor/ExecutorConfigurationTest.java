package io.zaps.executor;

import io.zaps.executor.run.RunStateMachine;
import io.zaps.executor.stream.ExecutorStreams;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Wiring and configuration binding, without a broker (streams not started). */
class ExecutorConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(ExecutorConfiguration.class)
            .withPropertyValues("zaps.executor.auto-startup=false");

    @Test
    void defaultsSuitALocalRun() {
        runner.withPropertyValues("ZAPS_DATA_DIR=/srv/zaps", "ZAPS_BOOTSTRAP_SERVERS=kafka:9092").run(context -> {
            assertThat(context).hasNotFailed();
            ExecutorProperties properties = context.getBean(ExecutorProperties.class);
            assertThat(properties.bootstrapServers()).isEqualTo("kafka:9092");
            assertThat(properties.stateDir()).isEqualTo("/srv/zaps/executor/state");
            assertThat(properties.applicationId()).isEqualTo("zaps-executor");
            assertThat(properties.commitInterval()).isEqualTo(Duration.ofMillis(20));
            assertThat(properties.timerInterval()).isEqualTo(Duration.ofMillis(100));
            assertThat(properties.partitions()).isEqualTo(6);
            assertThat(properties.streamThreads()).isEqualTo(1);
            assertThat(properties.publicUrl()).isEqualTo("http://localhost:8080");
            assertThat(properties.stateStoreMemory()).isEqualTo(org.springframework.util.unit.DataSize.ofMegabytes(64));
            assertThat(context).hasSingleBean(RunStateMachine.class).hasSingleBean(Clock.class);
            assertThat(context.getBean(ExecutorStreams.class).state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
        });
    }

    @Test
    void resumeUrlsPointAtThePublicUrlElseAtTheLocalGatewaysPort() {
        runner.withPropertyValues("ZAPS_HTTP_PORT=9090").run(context ->
                assertThat(context.getBean(ExecutorProperties.class).publicUrl()).isEqualTo("http://localhost:9090"));
        runner.withPropertyValues("ZAPS_PUBLIC_URL=https://zaps.example.com", "ZAPS_HTTP_PORT=9090").run(context ->
                assertThat(context.getBean(ExecutorProperties.class).publicUrl()).isEqualTo("https://zaps.example.com"));
        runner.withPropertyValues("zaps.executor.public-url=ftp://x").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("zaps.executor.public-url"));
    }

    @Test
    void springKafkaBootstrapServersAreUsedWhenSet() {
        runner.withPropertyValues("spring.kafka.bootstrap-servers=broker-1:9092", "ZAPS_BOOTSTRAP_SERVERS=other:9092")
                .run(context -> assertThat(context.getBean(ExecutorProperties.class).bootstrapServers()).isEqualTo("broker-1:9092"));
    }

    @Test
    void invalidSettingsFailStartupNamingTheProperty() {
        runner.withPropertyValues("zaps.executor.partitions=0").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("partitions"));
        runner.withPropertyValues("zaps.executor.commit-interval=0ms").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("zaps.executor.commit-interval"));
        runner.withPropertyValues("zaps.executor.state-store-memory=100KB").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("zaps.executor.state-store-memory"));
    }
}
