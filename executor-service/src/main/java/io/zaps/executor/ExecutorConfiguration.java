package io.zaps.executor;

import io.micrometer.core.instrument.MeterRegistry;
import io.zaps.contract.step.StepTypes;
import io.zaps.executor.metrics.ExecutorMeters;
import io.zaps.executor.run.Backoff;
import io.zaps.executor.run.ResumeLinks;
import io.zaps.executor.run.RunLimits;
import io.zaps.executor.run.RunStateMachine;
import io.zaps.executor.stream.ExecutorStreams;
import io.zaps.executor.stream.StreamsHealthIndicator;
import io.zaps.kafka.KafkaClientSecurity;
import io.zaps.kafka.trace.RunTracing;
import io.zaps.kafka.health.KafkaClusterHealthIndicator;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.PropertySource;
import org.springframework.core.env.Environment;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Wires the pure core to its Kafka Streams shell. Defaults that depend on the environment live in a
 * properties file under this package rather than in {@code application.yml}: in the local launcher's
 * single JVM every service's jar is on one class path, where only one {@code application.yml} wins.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ExecutorProperties.class)
@PropertySource("classpath:io/zaps/executor/executor-defaults.properties")
class ExecutorConfiguration {

    @Bean
    Clock executorClock() {
        return Clock.systemUTC();
    }

    @Bean
    StepTypes executorStepTypes() {
        return StepTypes.discover();
    }

    @Bean
    RunStateMachine runStateMachine(StepTypes executorStepTypes, ExecutorProperties properties) {
        // A key of this process: tokens are recorded when a wait starts and checked against that record,
        // so another instance or a restart with another key leaves the URLs of waiting runs valid.
        byte[] resumeKey = new byte[32];
        new SecureRandom().nextBytes(resumeKey);
        return new RunStateMachine(executorStepTypes, properties.deadlineGrace(), Backoff.Jitter.hashed(), RunLimits.DEFAULT,
                new ResumeLinks(properties.publicUrl(), resumeKey));
    }

    /** How the streams and the topic creation authenticate: the same {@code ZAPS_KAFKA_*} settings as every other service. */
    @Bean
    KafkaClientSecurity executorKafkaSecurity(Environment environment) {
        return KafkaClientSecurity.from(environment::getProperty);
    }

    /** Step attempts, retries, timer lag and dead letters, recorded by the processors ({@code ExecutorMeters}). */
    @Bean
    ExecutorMeters executorMeters(ObjectProvider<MeterRegistry> meterRegistry) {
        MeterRegistry registry = meterRegistry.getIfAvailable();
        return registry == null ? ExecutorMeters.none() : new ExecutorMeters(registry);
    }

    @Bean
    ExecutorStreams executorStreams(ExecutorProperties properties, KafkaClientSecurity executorKafkaSecurity,
                                    RunStateMachine runStateMachine, StepTypes executorStepTypes, Clock executorClock,
                                    ObjectProvider<RunTracing> tracing, ExecutorMeters executorMeters) {
        return new ExecutorStreams(properties, executorKafkaSecurity, runStateMachine, executorStepTypes, executorClock,
                tracing.getIfAvailable(RunTracing::noop), executorMeters);
    }

    /** Readiness part "streams" (executor-service.yml puts it in the readiness group). */
    @Bean
    StreamsHealthIndicator streamsHealthIndicator(ExecutorStreams executorStreams) {
        return new StreamsHealthIndicator(executorStreams, StreamsHealthIndicator.REBALANCE_GRACE, System::nanoTime);
    }

    /** Readiness part "kafka": the cluster answers, asked with the streams' own client settings. */
    @Bean
    KafkaClusterHealthIndicator kafkaHealthIndicator(ExecutorProperties properties, KafkaClientSecurity executorKafkaSecurity) {
        Map<String, Object> config = new HashMap<>(executorKafkaSecurity.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        return KafkaClusterHealthIndicator.forAdminConfig(config);
    }
}
