package io.zaps.connector.email;

import io.zaps.connector.StepHandler;
import io.zaps.connector.StepOutcome;
import io.zaps.contract.Json;
import io.zaps.contract.command.ExecuteStep;
import io.zaps.contract.step.EmailSpec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.Date;

/**
 * Executes {@code email} steps (see {@link EmailSpec}). Output:
 * {@code {"message_id": "<...>", "accepted": ["a@example.com", ...]}}.
 */
final class EmailHandler implements StepHandler {
    private final SmtpSender sender;
    private final Clock clock;

    EmailHandler(SmtpSender sender, Clock clock) {
        this.sender = sender;
        this.clock = clock;
    }

    @Override
    public String type() {
        return EmailSpec.TYPE;
    }

    @Override
    public StepOutcome handle(ExecuteStep request) {
        EmailConfig config;
        try {
            config = EmailConfig.from(request.config());
        } catch (EmailConfig.InvalidConfigException e) {
            return StepOutcome.permanent(e.getMessage());
        }
        SmtpSender.Sent sent;
        try {
            sent = sender.send(config, request.idempotencyKey(), Date.from(clock.instant()));
        } catch (SmtpSender.SendFailure e) {
            return StepOutcome.failed(e.getMessage(), e.retryable(), null);
        }
        ObjectNode output = Json.object();
        output.put("message_id", sent.messageId());
        ArrayNode accepted = output.putArray("accepted");
        sent.accepted().forEach(accepted::add);
        return StepOutcome.succeeded(output);
    }
}
