package io.zaps.local;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code docker-compose.yml} as Docker Compose reads it ({@code docker-compose config}, no Docker daemon needed), where the
 * tool is installed (skipped otherwise): valid with and without the {@code observability} profile; every Zaps service has
 * a healthcheck on its management port; nothing fixes a container name, and only the gateway, Prometheus and Grafana
 * publish host ports, so {@code --scale executor-service=3 --scale connector-webhook=2} has nothing in its way; Prometheus
 * finds every service's instances through Docker's DNS. The Grafana dashboard's queries are checked against a running
 * system's scrape in {@link HealthAndMetricsEndToEndTest}.
 */
class ComposeFileTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> ZAPS_SERVICES = List.of("api-gateway", "trigger-service", "executor-service",
            "connector-webhook", "connector-email", "connector-pdf");

    /** The command's exit code and output, or null when it is not installed (or did not finish in time). */
    private record Run(int exit, String output) {
    }

    private static Run compose(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-f", ROOT.resolve("docker-compose.yml").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("compose", ".out");
        Process process;
        try {
            process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        } catch (IOException notInstalled) {
            Files.deleteIfExists(out);
            return null;
        }
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return null;
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static boolean installed() throws IOException, InterruptedException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "docker-compose"))) {
                Run version = compose("version");
                return version != null && version.exit() == 0;
            }
        }
        return false;
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeFileIsValidScalableHealthCheckedAndObservable() throws Exception {
        assumeTrue(installed(), "docker-compose is not installed");

        Run quiet = compose("config", "-q");
        assertThat(quiet.exit()).as(quiet.output()).isZero();
        Run withProfile = compose("--profile", "observability", "config", "-q");
        assertThat(withProfile.exit()).as(withProfile.output()).isZero();

        Run resolved = compose("--profile", "observability", "config");
        assertThat(resolved.exit()).as(resolved.output()).isZero();
        Map<String, Object> config = new Yaml().load(resolved.output());
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) config.get("services");
        assertThat(services).containsKeys(ZAPS_SERVICES.toArray(String[]::new)).containsKeys("kafka", "prometheus", "grafana");

        for (String name : ZAPS_SERVICES) {
            Map<String, Object> service = services.get(name);
            Map<String, Object> health = (Map<String, Object>) service.get("healthcheck");
            assertThat(health).as("%s has a healthcheck", name).isNotNull();
            assertThat(health.get("test").toString()).as(name).contains("/app/zaps-health").contains("readiness");
            Map<String, Object> env = (Map<String, Object>) service.get("environment");
            assertThat(env).as("%s names its management port", name).containsKey("ZAPS_MANAGEMENT_PORT");
        }
        services.forEach((name, service) -> {
            assertThat(service).as("%s: no fixed container name (it could not scale)", name).doesNotContainKey("container_name");
            if (!List.of("api-gateway", "prometheus", "grafana").contains(name)) {
                assertThat(service).as("%s publishes no host port (scaled instances would collide)", name).doesNotContainKey("ports");
            }
        });
        assertThat((List<String>) services.get("prometheus").get("profiles")).containsExactly("observability");
        assertThat((List<String>) services.get("grafana").get("profiles")).containsExactly("observability");

        // Prometheus scrapes each service on the management port compose gives it, by DNS (every scaled instance).
        Map<String, Object> prometheus = new Yaml().load(Files.readString(ROOT.resolve("observability/prometheus.yml")));
        Map<String, Integer> scraped = new java.util.HashMap<>();
        for (Map<String, Object> job : (List<Map<String, Object>>) prometheus.get("scrape_configs")) {
            assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
            for (Map<String, Object> sd : (List<Map<String, Object>>) job.get("dns_sd_configs")) {
                for (String host : (List<String>) sd.get("names")) {
                    scraped.put(host, (Integer) sd.get("port"));
                }
            }
        }
        for (String name : ZAPS_SERVICES) {
            Map<String, Object> env = (Map<String, Object>) services.get(name).get("environment");
            assertThat(scraped.get(name)).as("%s scraped on its management port", name)
                    .isEqualTo(Integer.parseInt(env.get("ZAPS_MANAGEMENT_PORT").toString()));
        }
        assertThat(ROOT.resolve("docker/zaps-health")).exists();
        assertThat(ROOT.resolve("observability/grafana/provisioning/datasources/prometheus.yml")).exists();
        assertThat(ROOT.resolve("observability/grafana/provisioning/dashboards/zaps.yml")).exists();
        assertThat(DashboardMetrics.DASHBOARD).exists();
    }
}
