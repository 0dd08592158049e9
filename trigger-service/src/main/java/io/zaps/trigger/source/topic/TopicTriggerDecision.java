package io.zaps.trigger.source.topic;

import io.zaps.contract.event.TriggerRequested;

/** What one record of a user topic becomes for one workflow. */
public sealed interface TopicTriggerDecision {
    /** Publish {@code trigger} onto the triggers topic under {@code key} (the run id derived from its event id). */
    record Start(String key, TriggerRequested trigger) implements TopicTriggerDecision {
    }

    /** The record cannot start a run: it goes to {@code zaps.triggers.dlt} with {@code reason}. */
    record DeadLetter(String reason) implements TopicTriggerDecision {
    }
}
