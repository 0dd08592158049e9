package io.zaps.local.bench;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.command.CompleteStep;
import io.zaps.contract.command.StartRun;
import io.zaps.contract.event.RunEventType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Where a run's time goes, hop by hop, from the timestamps Kafka keeps with each record (each set by
 * its producer when it produced it): trigger request sent → trigger record (gateway) → start command
 * (trigger service) → step request (executor, when it decided) → step result (connector, after the
 * call) → completion event (executor) → completion read by the benchmark. Milliseconds, wall clock;
 * all in one JVM, so one clock.
 */
final class HopBreakdown {
    static final String[] HOPS = {
            "gateway (request -> trigger record)",
            "trigger service (-> start_run)",
            "executor decides the start (-> step request)",
            "commit, connector fetch (-> connector starts the step)",
            "HTTP call, result produced (-> step result)",
            "executor decides the result (-> run_completed)",
            "commit, read by the benchmark"};

    /** Per run: the hops' end times (index 0 the send, then one per hop; epoch ms), -1 where one is missing. */
    private final Map<String, long[]> points = new HashMap<>();

    private HopBreakdown() {}

    /**
     * Reads the records of the given runs from the beginning of the topics involved.
     *
     * @param sentWall per run, when its trigger request was sent (epoch ms)
     * @param doneWall per run, when the benchmark read its completion (epoch ms)
     */
    static HopBreakdown read(String bootstrap, Set<String> runIds, Map<String, Long> sentWall, Map<String, Long> doneWall) {
        HopBreakdown breakdown = new HopBreakdown();
        for (String id : runIds) {
            long[] t = new long[HOPS.length + 1];
            Arrays.fill(t, -1);
            t[0] = sentWall.getOrDefault(id, -1L);
            t[HOPS.length] = doneWall.getOrDefault(id, -1L);
            breakdown.points.put(id, t);
        }
        breakdown.scan(bootstrap, Topics.TRIGGERS, (record, t) -> t[1] = first(t[1], record.timestamp()));
        breakdown.scan(bootstrap, Topics.RUN_COMMANDS, (record, t) -> {
            JsonNode command = tree(record.value());
            String type = command == null || command.get("type") == null ? null : command.get("type").asString();
            if (StartRun.TYPE.equals(type)) {
                t[2] = first(t[2], record.timestamp());
            } else if (CompleteStep.TYPE.equals(type) && t[5] < 0) {
                t[4] = startedAt(command);
                t[5] = record.timestamp();
            }
        });
        breakdown.scan(bootstrap, Topics.stepRequests("webhook"), (record, t) -> t[3] = first(t[3], record.timestamp()));
        breakdown.scan(bootstrap, Topics.RUN_EVENTS, (record, t) -> {
            Header header = record.headers().lastHeader(Topics.HEADER_EVENT_TYPE);
            if (header != null && RunEventType.RUN_COMPLETED.wireName().equals(new String(header.value(), StandardCharsets.UTF_8))) {
                t[6] = first(t[6], record.timestamp());
            }
        });
        return breakdown;
    }

    /**
     * Prints p50/p99 of each hop over the given runs, and what the slowest 1 % of them spent on average in each;
     * then, when {@code showSlowest > 0}, that many of the slowest runs one by one, with the wall-clock time
     * their trigger was sent (to line them up with a JFR recording or a log).
     */
    void print(String phase, Collection<String> runIds, int showSlowest, Hiccups hiccups) {
        List<long[]> hops = new ArrayList<>();
        for (String id : runIds) {
            long[] t = points.get(id);
            if (t == null || Arrays.stream(t).anyMatch(v -> v < 0)) {
                continue;
            }
            long[] h = new long[HOPS.length + 2];
            for (int i = 0; i < HOPS.length; i++) {
                h[i] = t[i + 1] - t[i];
            }
            h[HOPS.length] = t[HOPS.length] - t[0];
            h[HOPS.length + 1] = t[0];
            hops.add(h);
        }
        if (hops.isEmpty()) {
            return;
        }
        hops.sort(Comparator.comparingLong(h -> h[HOPS.length]));
        List<long[]> slowest = hops.subList(hops.size() - Math.max(1, hops.size() / 100), hops.size());
        System.out.printf(Locale.ROOT, "  where the time goes in '%s' (%d runs, ms):%n", phase, hops.size());
        System.out.printf(Locale.ROOT, "    %-52s %6s %6s %14s%n", "hop", "p50", "p99", "slowest 1% avg");
        for (int i = 0; i < HOPS.length; i++) {
            int hop = i;
            long[] sorted = hops.stream().mapToLong(h -> h[hop]).sorted().toArray();
            double slow = slowest.stream().mapToLong(h -> h[hop]).average().orElse(0);
            System.out.printf(Locale.ROOT, "    %-52s %6d %6d %14.1f%n", HOPS[i], percentile(sorted, 50), percentile(sorted, 99), slow);
        }
        long from = hops.stream().mapToLong(h -> h[HOPS.length + 1]).min().orElse(0);
        long to = hops.stream().mapToLong(h -> h[HOPS.length + 1] + h[HOPS.length]).max().orElse(0);
        System.out.printf(Locale.ROOT, "    %s%n", hiccups.summary(from, to));
        if (showSlowest > 0) {
            System.out.printf(Locale.ROOT, "    slowest runs (sent at, total, then each hop above in order; ms; worst process stall meanwhile):%n");
            DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneId.systemDefault());
            for (int k = hops.size() - 1; k >= Math.max(0, hops.size() - showSlowest); k--) {
                long[] h = hops.get(k);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "    %s %6d ms:", time.format(Instant.ofEpochMilli(h[HOPS.length + 1])), h[HOPS.length]));
                for (int i = 0; i < HOPS.length; i++) {
                    line.append(String.format(Locale.ROOT, " %5d", h[i]));
                }
                line.append("   stall ").append(hiccups.worstWithin(h[HOPS.length + 1], h[HOPS.length + 1] + h[HOPS.length]));
                System.out.println(line);
            }
        }
    }

    private static long percentile(long[] sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
    }

    private static long first(long current, long timestamp) {
        return current < 0 ? timestamp : current;
    }

    private static JsonNode tree(byte[] value) {
        try {
            return Json.mapper().readTree(value);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The connector's {@code started_at} of a step result (epoch ms), -1 when it has none. */
    private static long startedAt(JsonNode completeStep) {
        JsonNode startedAt = completeStep.get("started_at");
        try {
            return startedAt == null || !startedAt.isString() ? -1 : Instant.parse(startedAt.asString()).toEpochMilli();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private interface Visitor {
        void visit(ConsumerRecord<String, byte[]> record, long[] times);
    }

    /**
     * A read_committed consumer of {@code bootstrap} assigned every partition of {@code topic} (no group,
     * no offsets committed); the caller seeks.
     */
    static KafkaConsumer<String, byte[]> reader(String bootstrap, String topic, int maxPollRecords) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(maxPollRecords));
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(info.topic(), info.partition()));
            }
            consumer.assign(partitions);
            return consumer;
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    private void scan(String bootstrap, String topic, Visitor visitor) {
        try (KafkaConsumer<String, byte[]> consumer = reader(bootstrap, topic, 5000)) {
            List<TopicPartition> partitions = new ArrayList<>(consumer.assignment());
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    long[] times = record.key() == null ? null : points.get(record.key());
                    if (times != null) {
                        visitor.visit(record, times);
                    }
                }
            }
        }
    }
}
