package io.zaps.connector.webhook;

import io.zaps.connector.net.Cidr;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.util.List;

/**
 * The webhook connector's settings ({@code zaps.webhook.*}); how requests are consumed is under
 * {@code zaps.connector.*}.
 *
 * @param deniedCidrs         address blocks webhooks may never call, on top of the always-denied
 *                            link-local and cloud metadata addresses, e.g. {@code 10.0.0.0/8}
 *                            (env {@code ZAPS_WEBHOOK_DENIED_CIDRS}, comma-separated)
 * @param denyPrivateNetworks also deny loopback and private ranges (127/8, 10/8, 172.16/12,
 *                            192.168/16, 100.64/10, fc00::/7); off by default for local development
 * @param maxResponseBytes    how much of a response body is read and kept in the step output; the
 *                            rest is dropped and {@code body_truncated} set
 */
@Validated
@ConfigurationProperties("zaps.webhook")
public record WebhookProperties(
        @DefaultValue({}) @NotNull List<String> deniedCidrs,
        @DefaultValue("false") boolean denyPrivateNetworks,
        @DefaultValue("262144") @Min(0) @Max(16_777_216) int maxResponseBytes) {

    public WebhookProperties {
        // An empty ZAPS_WEBHOOK_DENIED_CIDRS binds as one blank entry.
        deniedCidrs = deniedCidrs == null ? List.of() : deniedCidrs.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        // Fail at start-up, naming the property, rather than on the first webhook.
        deniedCidrs.forEach(Cidr::parse);
    }
}
