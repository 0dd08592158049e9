package io.zaps.contract.step;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** The registry of step types. Fails fast on two specs claiming the same type. */
public final class StepTypes {
    private final Map<String, StepSpec> byType = new LinkedHashMap<>();

    public StepTypes(Collection<? extends StepSpec> specs) {
        for (StepSpec spec : specs) {
            StepSpec previous = byType.putIfAbsent(spec.type(), spec);
            if (previous != null) {
                throw new IllegalStateException("step type '" + spec.type() + "' is declared twice: by "
                        + previous.getClass().getName() + " and " + spec.getClass().getName());
            }
        }
    }

    /** Every {@link StepSpec} on the class path, via {@link ServiceLoader}. */
    public static StepTypes discover() {
        List<StepSpec> specs = new ArrayList<>();
        ServiceLoader.load(StepSpec.class, StepTypes.class.getClassLoader()).forEach(specs::add);
        return new StepTypes(specs);
    }

    public Optional<StepSpec> find(String type) {
        return Optional.ofNullable(type == null ? null : byType.get(type));
    }

    public boolean isExternal(String type) {
        return find(type).map(StepSpec::external).orElse(true);
    }

    /** The known type names, in registration order. */
    public List<String> names() {
        return List.copyOf(byType.keySet());
    }
}
