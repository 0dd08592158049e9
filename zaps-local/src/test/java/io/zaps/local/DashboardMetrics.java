package io.zaps.local;

import io.zaps.contract.Json;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the Grafana dashboard's PromQL queries use (the {@code expr} of every target). */
final class DashboardMetrics {
    /** The dashboard in the repository, from the zaps-local module's folder (where tests run). */
    static final Path DASHBOARD = Path.of("..", "observability", "grafana", "dashboards", "zaps.json");
    /** A metric of Zaps, the JVM or a Kafka client; label names in queries never take these prefixes. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:zaps|jvm|kafka|process|system)_[a-zA-Z0-9_]*");

    private DashboardMetrics() {}

    static Set<String> metricNames(String dashboardJson) {
        Set<String> names = new TreeSet<>();
        for (String expr : expressions(Json.mapper().readTree(dashboardJson))) {
            Matcher matcher = METRIC.matcher(expr);
            while (matcher.find()) {
                names.add(matcher.group());
            }
        }
        return names;
    }

    static List<String> expressions(JsonNode node) {
        List<String> found = new ArrayList<>();
        collect(node, found);
        return found;
    }

    private static void collect(JsonNode node, List<String> found) {
        if (node.isObject()) {
            JsonNode expr = node.get("expr");
            if (expr != null && expr.isString()) {
                found.add(expr.stringValue());
            }
        }
        if (node.isObject() || node.isArray()) {
            for (JsonNode child : node) { // an object's values, an array's elements
                collect(child, found);
            }
        }
    }
}
