package io.zaps.connector;

import io.zaps.contract.step.StepSpec;
import io.zaps.contract.step.StepTypes;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The step handlers of one service by type. Fails fast, at start-up, on two handlers for one type
 * and on a handler whose type no external {@link StepSpec} declares: the executor would never route
 * requests to it, or the gateway would reject every workflow using it.
 */
public final class StepHandlerRegistry {
    private final Map<String, StepHandler> byType = new LinkedHashMap<>();

    public StepHandlerRegistry(Collection<? extends StepHandler> handlers, StepTypes stepTypes) {
        for (StepHandler handler : handlers) {
            String type = handler.type();
            StepSpec spec = stepTypes.find(type).orElseThrow(() -> new IllegalStateException(
                    "step handler " + handler.getClass().getName() + " handles type '" + type
                            + "' but no StepSpec declares it (known types: " + stepTypes.names()
                            + "); add one to META-INF/services/io.zaps.contract.step.StepSpec"));
            if (!spec.external()) {
                throw new IllegalStateException("step handler " + handler.getClass().getName() + " handles type '" + type
                        + "' but " + spec.getClass().getName() + " says the executor runs it itself (external() is false)");
            }
            StepHandler previous = byType.putIfAbsent(type, handler);
            if (previous != null) {
                throw new IllegalStateException("step type '" + type + "' has two handlers: "
                        + previous.getClass().getName() + " and " + handler.getClass().getName());
            }
        }
    }

    public Optional<StepHandler> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    /** The handled types, in registration order. */
    public List<String> types() {
        return List.copyOf(byType.keySet());
    }

    public List<StepHandler> handlers() {
        return List.copyOf(byType.values());
    }
}
