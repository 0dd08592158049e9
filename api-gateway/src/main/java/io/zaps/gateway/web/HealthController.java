package io.zaps.gateway.web;

import io.swagger.v3.oas.annotations.Operation;
import io.zaps.kafka.health.Readiness;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Status;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/**
 * The one-line health check for load balancers and the launcher; never needs an API key. It answers from
 * the readiness group ({@code /actuator/health/readiness}, which in the all-in-one launcher covers every
 * service in the process).
 */
@RestController
class HealthController {
    private static final Map<String, String> OK = Map.of("status", "ok");

    private final ObjectProvider<HealthEndpoint> health;

    HealthController(ObjectProvider<HealthEndpoint> health) {
        this.health = health;
    }

    @Operation(summary = "Readiness check", description = "200 {\"status\": \"ok\"} when Zaps can take triggers and run them"
            + " (Kafka reachable, listeners assigned; in the all-in-one launcher every service ready, the executor's streams"
            + " running); else 503 with a problem naming the parts not ready. Details: /actuator/health/readiness.")
    @GetMapping("/health")
    ResponseEntity<?> health() {
        HealthEndpoint endpoint = health.getIfAvailable();
        if (endpoint == null || Status.UP.equals(Readiness.status(endpoint, Readiness.READINESS))) {
            return ResponseEntity.ok(OK);
        }
        List<String> notReady = Readiness.notUp(endpoint, Readiness.READINESS);
        ProblemDetail problem = Problems.of(HttpStatus.SERVICE_UNAVAILABLE, "not ready: " + String.join("; ", notReady), List.of());
        problem.setProperty("not_ready", notReady);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
