package io.zaps.contract.step;

import io.zaps.contract.workflow.Violation;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * {@code delay}: waits {@code seconds} (1 to 31,536,000) on a durable timer in the executor.
 * Output: {@code {"delayed_seconds": N, "due_at": "..."}}.
 */
public final class DelaySpec implements StepSpec {
    public static final String TYPE = "delay";
    public static final long MAX_SECONDS = 365L * 24 * 3600;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean external() {
        return false;
    }

    @Override
    public void validate(ObjectNode config, String path, List<Violation> violations) {
        ConfigChecks checks = ConfigChecks.of(config, path, violations).onlyFields(Set.of("seconds"));
        checks.integer("seconds", true, 1, MAX_SECONDS, 1);
    }

    /** The delay of a validated config. */
    public static long seconds(ObjectNode config) {
        return config.get("seconds").longValue();
    }
}
