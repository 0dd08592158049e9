package io.zaps.local.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * One fixed-rate phase of {@code ./zaps bench}: {@code rate} triggers a second for {@code seconds}.
 *
 * @param rate    triggers per second, at least 1
 * @param seconds how long the phase sends, at least 1
 */
record FixedPhase(int rate, int seconds) {

    FixedPhase {
        if (rate < 1 || seconds < 1) {
            throw new IllegalArgumentException("a fixed-rate phase needs a rate and a duration of at least 1, got " + rate + " runs/s for " + seconds + " s");
        }
    }

    /**
     * Parses {@code --rates}: comma-separated {@code RATE} or {@code RATE:SECONDS} entries, e.g.
     * {@code 50:60,50:60,400}; an entry without its own duration lasts {@code defaultSeconds}.
     *
     * @throws IllegalArgumentException naming the entry that is not a positive number or pair of them
     */
    static List<FixedPhase> parse(String spec, int defaultSeconds) {
        List<FixedPhase> phases = new ArrayList<>();
        for (String entry : spec.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split(":", -1);
            try {
                if (parts.length > 2) {
                    throw new NumberFormatException();
                }
                int rate = Integer.parseInt(parts[0].trim());
                int seconds = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : defaultSeconds;
                phases.add(new FixedPhase(rate, seconds));
            } catch (IllegalArgumentException e) { // NumberFormatException is one
                throw new IllegalArgumentException("--rates: '" + trimmed + "' is not RATE or RATE:SECONDS with positive whole numbers", e);
            }
        }
        return List.copyOf(phases);
    }
}
