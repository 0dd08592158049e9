package io.zaps.gateway.web;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console's static files (module zaps-console: META-INF/resources and WebJars) are served without an API key
 * while the API keeps requiring one; a test placeholder stands in for the console's index.html and scripts.
 */
class StaticConsoleTest extends GatewayTestSupport {

    @Test
    void theConsoleIsServedWithoutAKeyAndTheApiStillNeedsOne() {
        Response root = send("GET", "/", null, Map.of());
        assertThat(root.status()).as(root.body()).isEqualTo(200);
        assertThat(root.contentType()).startsWith("text/html");
        assertThat(root.body()).contains("zaps console placeholder");

        Response index = send("GET", "/index.html", null, Map.of());
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.body()).contains("zaps console placeholder");

        Response script = send("GET", "/console/placeholder.js", null, Map.of());
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).contains("javascript");

        Response missing = send("GET", "/webjars/nothing/1.0/nothing.js", null, Map.of());
        assertThat(missing.status()).as("not found, not unauthorized").isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(send("GET", "/favicon.ico", null, Map.of()).status()).isIn(200, 404);

        assertThat(send("GET", "/api/workflows", null, Map.of()).status()).isEqualTo(401);
        assertThat(send("GET", "/api/runs", null, Map.of()).status()).isEqualTo(401);
    }
}
