package io.zaps.trigger.source.ownership;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

import java.util.Collection;
import java.util.List;

/**
 * Several rebalance listeners as one (a container takes only one): each is called in order, the consumer-aware
 * ones through their consumer-aware methods.
 */
public final class RebalanceListeners implements ConsumerAwareRebalanceListener {
    private final List<ConsumerRebalanceListener> delegates;

    private RebalanceListeners(List<ConsumerRebalanceListener> delegates) {
        this.delegates = delegates;
    }

    public static ConsumerAwareRebalanceListener of(ConsumerRebalanceListener... listeners) {
        return new RebalanceListeners(List.of(listeners));
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (ConsumerRebalanceListener delegate : delegates) {
            if (delegate instanceof ConsumerAwareRebalanceListener aware) {
                aware.onPartitionsAssigned(consumer, partitions);
            } else {
                delegate.onPartitionsAssigned(partitions);
            }
        }
    }

    @Override
    public void onPartitionsRevokedBeforeCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (ConsumerRebalanceListener delegate : delegates) {
            if (delegate instanceof ConsumerAwareRebalanceListener aware) {
                aware.onPartitionsRevokedBeforeCommit(consumer, partitions);
            } else {
                delegate.onPartitionsRevoked(partitions);
            }
        }
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (ConsumerRebalanceListener delegate : delegates) {
            if (delegate instanceof ConsumerAwareRebalanceListener aware) {
                aware.onPartitionsRevokedAfterCommit(consumer, partitions);
            }
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (ConsumerRebalanceListener delegate : delegates) {
            if (delegate instanceof ConsumerAwareRebalanceListener aware) {
                aware.onPartitionsLost(consumer, partitions);
            } else {
                delegate.onPartitionsLost(partitions);
            }
        }
    }
}
