package io.zaps.executor.run;

import io.zaps.contract.command.SubscriptionCommand;

/**
 * Publish {@code command} ({@code subscribe} when a {@code wait_for_event} step starts waiting,
 * {@code unsubscribe} when its wait ended otherwise than by an event) on
 * {@link io.zaps.contract.Topics#EVENT_SUBSCRIPTIONS}, keyed by its correlation key, where the executor's
 * event correlation keeps the subscriptions of that key's partition.
 */
public record SubscriptionEffect(SubscriptionCommand command) implements Effect {
}
