package io.zaps.local.bench;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The embedded broker's own request timings (its {@code kafka.network:type=RequestMetrics} histograms,
 * read over JMX in this JVM): how long each kind of request on a run's path waited for a request handler
 * thread, was worked on, waited in purgatory (a fetch for data, a produce for acknowledgements) and waited
 * for the network thread. Only when the bench started the broker itself.
 *
 * <p>The histograms are Kafka's exponentially decaying samples: they weigh the last few minutes most, so
 * they describe the phases just run, not exactly one phase.
 */
final class BrokerTimings {
    private static final List<String> REQUESTS = List.of(
            "Produce", "FetchConsumer", "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit", "AddPartitionsToTxn", "OffsetCommit");
    private static final List<String> PARTS = List.of(
            "TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs", "ResponseQueueTimeMs", "ResponseSendTimeMs");

    private BrokerTimings() {
    }

    /** Prints one line per request kind with p99 / p99.9 of each part, or a note when no broker metrics are here. */
    static void print() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        System.out.printf(Locale.ROOT, "%n  broker request timings (JMX, recent minutes weighted most; p99 / p99.9 ms):%n");
        System.out.printf(Locale.ROOT, "    %-20s %10s", "request", "count");
        PARTS.forEach(part -> System.out.printf(Locale.ROOT, " %15s", part.replace("TimeMs", "")));
        System.out.println();
        boolean any = false;
        for (String request : REQUESTS) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "    %-20s", request));
            boolean found = false;
            for (String part : PARTS) {
                try {
                    ObjectName name = new ObjectName("kafka.network:type=RequestMetrics,name=" + part + ",request=" + request);
                    if (!server.isRegistered(name)) {
                        line.append(String.format(Locale.ROOT, " %15s", "-"));
                        continue;
                    }
                    if (!found) {
                        line.append(String.format(Locale.ROOT, " %10d", ((Number) server.getAttribute(name, "Count")).longValue()));
                        found = true;
                    }
                    double p99 = ((Number) server.getAttribute(name, "99thPercentile")).doubleValue();
                    double p999 = ((Number) server.getAttribute(name, "999thPercentile")).doubleValue();
                    line.append(String.format(Locale.ROOT, " %7.1f / %5.1f", p99, p999));
                } catch (Exception e) {
                    line.append(String.format(Locale.ROOT, " %15s", "?"));
                }
            }
            if (found) {
                any = true;
                System.out.println(line);
            }
        }
        if (!any) {
            System.out.println("    (no broker in this JVM: measure the broker of a running Zaps with its own JMX)");
        }
    }
}
