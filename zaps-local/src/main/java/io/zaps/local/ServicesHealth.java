package io.zaps.local;

import io.zaps.kafka.health.Readiness;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In the all-in-one launcher, the gateway's health groups stand for every service in the process: its
 * {@code readiness} group includes {@code services} (each other service's own readiness group), its
 * {@code liveness} group {@code servicesLiveness}. A service whose context has not started yet is down.
 */
final class ServicesHealth {
    private ServicesHealth() {}

    /** One part per service other than the gateway, each answering from that service's {@code group}. */
    static CompositeHealthContributor of(Map<ZapsSystem.Service, ConfigurableApplicationContext> contexts, String group) {
        Map<String, HealthIndicator> parts = new LinkedHashMap<>();
        for (ZapsSystem.Service service : ZapsSystem.Service.values()) {
            if (service != ZapsSystem.Service.GATEWAY) {
                parts.put(service.configName, () -> health(contexts.get(service), group));
            }
        }
        return CompositeHealthContributor.fromMap(parts);
    }

    static Health health(ConfigurableApplicationContext context, String group) {
        if (context == null || !context.isActive()) {
            return Health.down().withDetail("reason", "starting").build();
        }
        HealthEndpoint endpoint = context.getBeanProvider(HealthEndpoint.class).getIfAvailable();
        if (endpoint == null) {
            return Health.unknown().withDetail("reason", "no health endpoint").build();
        }
        Status status = Readiness.status(endpoint, group);
        List<String> notUp = Status.UP.equals(status) ? List.of() : Readiness.notUp(endpoint, group);
        return notUp.isEmpty() ? Health.status(status).build() : Health.status(status).withDetail("not_up", notUp).build();
    }
}
