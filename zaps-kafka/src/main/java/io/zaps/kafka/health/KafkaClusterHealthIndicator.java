package io.zaps.kafka.health;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Readiness part "Kafka reachable": the cluster answers a {@code describeCluster} within
 * {@link #TIMEOUT}. The answer is kept for {@link #CACHE_FOR}, so that frequent probes (a load balancer,
 * the launcher's wait, a scrape) cost the broker at most one request per few seconds.
 */
public class KafkaClusterHealthIndicator implements HealthIndicator, DisposableBean {
    /** How long a probe waits for the cluster's answer; shorter than any orchestrator's probe timeout. */
    public static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** How long an answer stands. */
    public static final Duration CACHE_FOR = Duration.ofSeconds(3);

    /** Asks the cluster who it is; throws when it does not answer within the timeout. */
    @FunctionalInterface
    public interface ClusterProbe extends AutoCloseable {
        /** @return a short description of the cluster (its id and node count) */
        Map<String, Object> describe(Duration timeout) throws Exception;

        @Override
        default void close() {}
    }

    private record Answer(long atNanos, Health health) {}

    private final ClusterProbe probe;
    private final Duration timeout;
    private final Duration cacheFor;
    private final LongSupplier nanoTime;
    private volatile Answer last;

    public KafkaClusterHealthIndicator(ClusterProbe probe, Duration timeout, Duration cacheFor, LongSupplier nanoTime) {
        this.probe = probe;
        this.timeout = timeout;
        this.cacheFor = cacheFor;
        this.nanoTime = nanoTime;
    }

    /** An indicator over an admin client with these client settings (bootstrap servers, security). */
    public static KafkaClusterHealthIndicator forAdminConfig(Map<String, Object> adminConfig) {
        return new KafkaClusterHealthIndicator(new AdminProbe(adminConfig), TIMEOUT, CACHE_FOR, System::nanoTime);
    }

    @Override
    public Health health() {
        Answer answer = last;
        long now = nanoTime.getAsLong();
        if (answer != null && now - answer.atNanos() < cacheFor.toNanos()) {
            return answer.health();
        }
        synchronized (this) {
            answer = last;
            if (answer != null && now - answer.atNanos() < cacheFor.toNanos()) {
                return answer.health();
            }
            Health health = ask();
            last = new Answer(nanoTime.getAsLong(), health);
            return health;
        }
    }

    private Health ask() {
        try {
            return Health.up().withDetails(probe.describe(timeout)).build();
        } catch (TimeoutException e) {
            return Health.down().withDetail("reason", "no answer from the Kafka cluster within " + timeout.toMillis() + " ms").build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.down().withDetail("reason", "interrupted").build();
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return Health.down().withDetail("reason", cause.getClass().getSimpleName() + ": " + cause.getMessage()).build();
        }
    }

    @Override
    public void destroy() {
        probe.close();
    }

    /** The real probe: one long-lived admin client, created at the first probe. */
    static final class AdminProbe implements ClusterProbe {
        private final Map<String, Object> config;
        private Admin admin;

        AdminProbe(Map<String, Object> config) {
            this.config = Map.copyOf(config);
        }

        @Override
        public synchronized Map<String, Object> describe(Duration timeout) throws Exception {
            if (admin == null) {
                admin = Admin.create(config);
            }
            DescribeClusterResult result = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
            String clusterId = result.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int nodes = result.nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            return Map.of("clusterId", clusterId == null ? "" : clusterId, "nodes", nodes);
        }

        @Override
        public synchronized void close() {
            if (admin != null) {
                admin.close(Duration.ofSeconds(1));
                admin = null;
            }
        }
    }
}
