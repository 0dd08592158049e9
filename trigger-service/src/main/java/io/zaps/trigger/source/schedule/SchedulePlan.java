package io.zaps.trigger.source.schedule;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to do for one schedule now.
 *
 * @param fire    the ticks to fire now, oldest first; after Kafka acknowledged the trigger of each, the cursor moves
 *                to it ({@link ScheduleCursor#advancedTo})
 * @param store   a cursor to store now, without firing anything (a new or changed schedule, a paused workflow,
 *                missed ticks passed over)
 * @param nextDue when to look again (the next tick once the fires are done); empty when the schedule never fires
 *                again or the workflow is not active
 * @param note    why, for the log (e.g. how missed ticks were handled); empty when nothing unusual happened
 */
public record SchedulePlan(List<Instant> fire, Optional<ScheduleCursor> store, Optional<Instant> nextDue, String note) {
    public SchedulePlan {
        fire = List.copyOf(fire);
    }
}
