package io.zaps.contract.trigger;

/**
 * A workflow's trigger section, parsed and validated by {@link Triggers}. A workflow without one is
 * started by {@code POST /api/workflows/{id}/trigger} and records on {@link io.zaps.contract.Topics#TRIGGERS} only
 * (which also start every workflow that has one).
 *
 * <p>Secrets ({@code secret}, {@code password}) are never literal values: they are references of the form
 * {@code {{ secret('name') }}} to the credential store ({@link SecretRef}), resolved only inside the service that
 * uses them.
 */
public sealed interface TriggerSpec permits WebhookTrigger, ScheduleTrigger, EmailTrigger, KafkaTrigger {
    /** {@code webhook}, {@code schedule}, {@code email} or {@code kafka}. */
    String type();
}
