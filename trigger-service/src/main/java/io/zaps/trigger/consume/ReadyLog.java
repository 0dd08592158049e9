package io.zaps.trigger.consume;

import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Logs {@value #READY} once, when the first consumer of the trigger listener has joined its group
 * and received its assignment (possibly empty when there are more consumers than partitions): from
 * then on triggers flow.
 */
public final class ReadyLog implements ConsumerRebalanceListener {
    public static final String READY = "zaps trigger-service ready";
    private static final Logger log = LoggerFactory.getLogger(ReadyLog.class);

    private final AtomicBoolean ready = new AtomicBoolean();

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (ready.compareAndSet(false, true)) {
            log.info(READY);
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        // nothing to flush: a batch's sends are acknowledged before its offsets are committed
    }

    public boolean isReady() {
        return ready.get();
    }
}
