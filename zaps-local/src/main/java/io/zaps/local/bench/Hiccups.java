package io.zaps.local.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Stalls of the whole process, as a thread sees them that only sleeps: it asks for 1 ms at a time and
 * records every wake-up that came more than {@link #THRESHOLD_MS} late, with when it happened. A late
 * wake-up means every thread of the JVM could have been held as long: a GC or other safepoint pause, or
 * no core free for it (two cores shared by broker, services and benchmark). Runs slowed by something
 * else (a Kafka round trip, a lock, a store) show no hiccup, which is what lining the two up tells.
 *
 * <p>The probe itself costs a wake-up per millisecond; its own lateness at rest is well under
 * {@link #THRESHOLD_MS} on this machine.
 */
final class Hiccups implements AutoCloseable {
    static final long THRESHOLD_MS = 3;
    private static final int MAX_KEPT = 100_000;

    /** A late wake-up: when the probe woke (epoch ms) and how late (ms). */
    record Hiccup(long atMillis, double lateMs) {}

    private final List<Hiccup> hiccups = new ArrayList<>();
    private final Thread probe;
    private volatile boolean running = true;

    Hiccups() {
        probe = new Thread(this::probe, "bench-hiccup-probe");
        probe.setDaemon(true);
        probe.start();
    }

    private void probe() {
        long expected = 1_000_000L;
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(expected);
            double lateMs = (System.nanoTime() - before - expected) / 1e6;
            if (lateMs > THRESHOLD_MS) {
                synchronized (hiccups) {
                    if (hiccups.size() < MAX_KEPT) {
                        hiccups.add(new Hiccup(System.currentTimeMillis(), lateMs));
                    }
                }
            }
        }
    }

    /** The late wake-ups whose stall overlaps {@code [fromMillis, toMillis]} (epoch ms). */
    List<Hiccup> between(long fromMillis, long toMillis) {
        List<Hiccup> found = new ArrayList<>();
        synchronized (hiccups) {
            for (Hiccup h : hiccups) {
                if (h.atMillis() >= fromMillis && h.atMillis() - h.lateMs() <= toMillis) {
                    found.add(h);
                }
            }
        }
        return found;
    }

    /** A one-line summary of the late wake-ups within the window: how many over 5, 10 and 20 ms, and the worst. */
    String summary(long fromMillis, long toMillis) {
        List<Hiccup> found = between(fromMillis, toMillis);
        long over5 = found.stream().filter(h -> h.lateMs() > 5).count();
        long over10 = found.stream().filter(h -> h.lateMs() > 10).count();
        long over20 = found.stream().filter(h -> h.lateMs() > 20).count();
        double worst = found.stream().mapToDouble(Hiccup::lateMs).max().orElse(0);
        return String.format(Locale.ROOT, "process stalls (a 1 ms sleep woke late): %d over 5 ms, %d over 10 ms, %d over 20 ms, worst %.1f ms",
                over5, over10, over20, worst);
    }

    /** The worst stall overlapping the window, as "12.3 ms ending at +4" (ms after {@code fromMillis}), or "-". */
    String worstWithin(long fromMillis, long toMillis) {
        return between(fromMillis, toMillis).stream().max(java.util.Comparator.comparingDouble(Hiccup::lateMs))
                .map(h -> String.format(Locale.ROOT, "%.1f ms ending at +%d", h.lateMs(), h.atMillis() - fromMillis))
                .orElse("-");
    }

    @Override
    public void close() {
        running = false;
    }
}
