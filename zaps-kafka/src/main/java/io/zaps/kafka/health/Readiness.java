package io.zaps.kafka.health;

import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.contributor.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a service's {@code readiness} and {@code liveness} health groups, for whoever reports on them. */
public final class Readiness {
    public static final String READINESS = "readiness";
    public static final String LIVENESS = "liveness";
    /**
     * The profile a service's main class adds when it is deployed alone: its {@code <service>.yml} then opens its
     * management port ({@code management.server.port}, env {@code ZAPS_MANAGEMENT_PORT}) for these groups and the
     * Prometheus endpoint. Started next to the others in one JVM ({@code ./zaps up}), a service opens no port.
     */
    public static final String STANDALONE_PROFILE = "standalone";

    private Readiness() {}

    /** The group's status, {@link Status#UNKNOWN} when the service has no such group. */
    public static Status status(HealthEndpoint endpoint, String group) {
        HealthDescriptor descriptor = endpoint.healthForPath(group);
        return descriptor == null ? Status.UNKNOWN : descriptor.getStatus();
    }

    /**
     * The parts of a group that are not up, as paths ({@code kafka}, {@code services/executor-service}),
     * each with what its indicator says; empty when everything is up.
     */
    public static List<String> notUp(HealthEndpoint endpoint, String group) {
        HealthDescriptor descriptor = endpoint.healthForPath(group);
        List<String> parts = new ArrayList<>();
        if (descriptor == null) {
            parts.add(group + " (no such health group)");
        } else {
            collect("", descriptor, parts);
        }
        return parts;
    }

    private static void collect(String path, HealthDescriptor descriptor, List<String> parts) {
        if (Status.UP.equals(descriptor.getStatus())) {
            return;
        }
        if (descriptor instanceof CompositeHealthDescriptor composite && composite.getComponents() != null) {
            for (Map.Entry<String, HealthDescriptor> component : composite.getComponents().entrySet()) {
                collect(path.isEmpty() ? component.getKey() : path + "/" + component.getKey(), component.getValue(), parts);
            }
            return;
        }
        String details = descriptor instanceof IndicatedHealthDescriptor indicated && indicated.getDetails() != null
                && !indicated.getDetails().isEmpty() ? " " + indicated.getDetails() : "";
        parts.add((path.isEmpty() ? "(all)" : path) + ": " + descriptor.getStatus().getCode() + details);
    }
}
