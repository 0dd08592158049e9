package io.zaps.connector.email;

import io.zaps.connector.net.Cidr;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.validation.annotation.Validated;

import java.util.List;

/**
 * The email connector's settings ({@code zaps.email.*}); where to send comes from each step's
 * config, how requests are consumed from {@code zaps.connector.*}.
 *
 * @param ehloName name this connector gives in EHLO; empty for the JVM's host name
 *                 (env {@code ZAPS_EMAIL_EHLO_NAME})
 * @param sslTrust SMTP hosts whose certificates are accepted without any check (neither the
 *                 chain nor the host name), separated by spaces or commas, or {@code *} for all;
 *                 empty (the default) verifies every certificate against the JVM's trust store.
 *                 Only for local servers with self-signed certificates (env {@code ZAPS_EMAIL_SSL_TRUST})
 * @param deniedCidrs         address blocks no SMTP server may be on, on top of the always-denied link-local and
 *                            cloud-metadata addresses, e.g. {@code 10.0.0.0/8} (env {@code ZAPS_EMAIL_DENIED_CIDRS},
 *                            comma-separated); the same guard as the webhook connector's
 * @param denyPrivateNetworks also deny loopback and private ranges; off by default for local development
 */
@Validated
@ConfigurationProperties("zaps.email")
public record EmailProperties(String ehloName, String sslTrust, List<String> deniedCidrs, boolean denyPrivateNetworks) {
    @ConstructorBinding
    public EmailProperties {
        deniedCidrs = deniedCidrs == null ? List.of() : deniedCidrs.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        // Fail at start-up, naming the property, rather than on the first email.
        deniedCidrs.forEach(Cidr::parse);
    }

    /** Only the EHLO name and the trusted hosts set; no extra denied addresses. */
    public EmailProperties(String ehloName, String sslTrust) {
        this(ehloName, sslTrust, List.of(), false);
    }
}
