package io.zaps.connector.email;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

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
 */
@Validated
@ConfigurationProperties("zaps.email")
public record EmailProperties(String ehloName, String sslTrust) {
}
