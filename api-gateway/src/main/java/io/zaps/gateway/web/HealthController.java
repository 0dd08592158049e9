package io.zaps.gateway.web;

import io.swagger.v3.oas.annotations.Operation;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/** Liveness for load balancers and the launcher; never needs an API key. */
@RestController
class HealthController {
    private static final Map<String, String> OK = Map.of("status", "ok");

    @Operation(summary = "Liveness check", description = "Always 200 {\"status\": \"ok\"} while the gateway serves requests.")
    @GetMapping("/health")
    Map<String, String> health() {
        return OK;
    }
}
