package io.zaps.trigger.source;

import io.zaps.trigger.TriggerApplication;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One trigger-service instance started through its application against a given broker and data folder, as a
 * separate Spring context: several of them in one JVM behave like instances on several machines (distinct
 * {@code zaps.trigger.instance-id}, shared data folder, one consumer group).
 */
public final class TriggerInstance implements AutoCloseable {
    private final ConfigurableApplicationContext context;
    private final String name;

    private TriggerInstance(String name, ConfigurableApplicationContext context) {
        this.name = name;
        this.context = context;
    }

    public static TriggerInstance start(String name, String bootstrapServers, Path dataDir, Map<String, String> properties) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + bootstrapServers,
                "--zaps.trigger.data-dir=" + dataDir,
                "--zaps.trigger.instance-id=" + name,
                "--spring.jmx.enabled=false"));
        properties.forEach((key, value) -> args.add("--" + key + "=" + value));
        return new TriggerInstance(name, TriggerApplication.application().run(args.toArray(String[]::new)));
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public String name() {
        return name;
    }

    public boolean isRunning() {
        return context.isActive();
    }

    @Override
    public void close() {
        if (context.isActive()) {
            context.close();
        }
    }
}
