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

    private static ObjectName name(String part, String request) throws javax.management.MalformedObjectNameException {
        return new ObjectName("kafka.network:type=RequestMetrics,name=" + part + ",request=" + request);
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
            try {
                ObjectName total = name("TotalTimeMs", request);
                if (!server.isRegistered(total)) {
                    continue; // this broker has not served that kind of request
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "    %-20s %10d", request,
                        ((Number) server.getAttribute(total, "Count")).longValue()));
                for (String part : PARTS) {
                    ObjectName name = name(part, request);
                    line.append(server.isRegistered(name)
                            ? String.format(Locale.ROOT, " %7.1f / %5.1f", ((Number) server.getAttribute(name, "99thPercentile")).doubleValue(),
                                    ((Number) server.getAttribute(name, "999thPercentile")).doubleValue())
                            : String.format(Locale.ROOT, " %15s", "-"));
                }
                System.out.println(line);
                any = true;
            } catch (Exception e) {
                System.out.printf(Locale.ROOT, "    %-20s could not be read: %s%n", request, e);
            }
        }
        if (!any) {
            System.out.println("    (no broker in this JVM: measure the broker of a running Zaps with its own JMX)");
        }
    }
}
