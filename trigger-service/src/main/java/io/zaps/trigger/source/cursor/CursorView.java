package io.zaps.trigger.source.cursor;

import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.kafka.view.CompactedTopicView;
import org.springframework.kafka.core.ConsumerFactory;

import java.time.Duration;
import java.util.Optional;

/**
 * The trigger sources' cursors as {@link Topics#TRIGGER_CURSORS} holds them, in memory (a {@link CompactedTopicView}):
 * per workflow the cursor {@link TriggerCursor#newer} keeps; a tombstone (a deleted workflow) forgets it. Its start does
 * not wait for the topic: {@link CursorTopic} catches it up before it reads.
 */
public final class CursorView extends CompactedTopicView<TriggerCursor> {

    public CursorView(CompactedTopicView.Consumers consumers) {
        super(Topics.TRIGGER_CURSORS, consumers, Duration.ZERO);
    }

    /** A view whose consumer has the client settings of {@code factory}, its own client id and no consumer group. */
    public static CursorView of(ConsumerFactory<?, ?> factory, String clientId) {
        return new CursorView(consumers(factory, clientId));
    }

    /** The cursor of {@code workflowId} as far as the view has read; empty when none. */
    public Optional<TriggerCursor> find(String workflowId) {
        return Optional.ofNullable(latest(workflowId));
    }

    @Override
    protected TriggerCursor read(byte[] value) {
        return Json.read(value, TriggerCursor.class).validated();
    }

    @Override
    protected String keyOf(TriggerCursor value) {
        return value.workflowId();
    }

    @Override
    protected TriggerCursor newer(TriggerCursor kept, TriggerCursor incoming) {
        return TriggerCursor.newer(kept, incoming);
    }
}
