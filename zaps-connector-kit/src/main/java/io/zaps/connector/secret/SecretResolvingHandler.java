package io.zaps.connector.secret;

import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.template.SecretMarkers;
import io.zaps.kafka.secret.TopicSecrets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Gives a {@link StepHandler} the secret values its step config refers to, and takes them out of what it answers.
 *
 * <p>The executor renders {@code {{ secret('name') }}} to a {@link SecretMarkers marker}, never a value. Before the
 * handler runs, every marker in the request's config (in string values, at any depth) is replaced by the secret's
 * value from the {@link SecretLookup}; a secret that does not exist fails the attempt permanently with
 * {@code secret 'name' does not exist}, and the handler is not called. After it, every resolved value is replaced by
 * {@code ********} in the outcome's output and error, and in any exception it throws (which the kit logs and
 * reports). The resolved config lives only for the call: the request on Kafka and the run snapshot keep the markers.
 */
public final class SecretResolvingHandler implements StepHandler {
    private final StepHandler delegate;
    private final SecretLookup secrets;

    public SecretResolvingHandler(StepHandler delegate, SecretLookup secrets) {
        this.delegate = delegate;
        this.secrets = secrets;
    }

    /** The handler being wrapped. */
    public StepHandler delegate() {
        return delegate;
    }

    @Override
    public String type() {
        return delegate.type();
    }

    @Override
    public StepOutcome handle(ExecuteStep request) {
        Set<String> names = new LinkedHashSet<>();
        collect(request.config(), names);
        if (names.isEmpty()) {
            return delegate.handle(request);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : names) {
            Optional<String> value;
            try {
                value = secrets.value(name);
            } catch (TopicSecrets.Unavailable e) {
                return StepOutcome.retryable(e.getMessage());
            } catch (RuntimeException e) {
                // The store's messages name the secret and the reason (a changed master key...), never a value.
                return StepOutcome.permanent("secret '" + name + "' cannot be read: " + e.getMessage());
            }
            if (value.isEmpty()) {
                return StepOutcome.permanent("secret '" + name + "' does not exist (store it with PUT /api/secrets/" + name + ")");
            }
            values.put(name, value.get());
        }
        SecretMask mask = new SecretMask(values.values());
        ExecuteStep resolved = new ExecuteStep(request.schemaVersion(), request.runId(), request.workflowId(), request.stepId(),
                request.stepType(), request.attempt(), request.idempotencyKey(), (ObjectNode) resolve(request.config(), values),
                request.requestedAt(), request.deadline());
        StepOutcome outcome;
        try {
            outcome = delegate.handle(resolved);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            throw mask.mask(e);
        }
        if (outcome == null) {
            return StepOutcome.permanent(delegate.getClass().getName() + " returned no outcome");
        }
        return mask.mask(outcome);
    }

    private static void collect(JsonNode node, Set<String> names) {
        if (node == null) {
            return;
        }
        if (node.isString()) {
            names.addAll(SecretMarkers.names(node.stringValue()));
        } else if (node.isContainer()) {
            for (JsonNode child : node) {
                collect(child, names);
            }
        }
    }

    private static JsonNode resolve(JsonNode node, Map<String, String> values) {
        if (node.isString()) {
            String text = node.stringValue();
            return SecretMarkers.hasMarker(text) ? JsonNodeFactory.instance.stringNode(SecretMarkers.replace(text, values::get)) : node;
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(e.getKey(), resolve(e.getValue(), values));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) {
                out.add(resolve(item, values));
            }
            return out;
        }
        return node;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
