package io.zaps.connector.secret;

import java.util.Optional;

/** Where a connector finds the value of a secret a step config refers to. */
@FunctionalInterface
public interface SecretLookup {
    /**
     * The value of {@code name}, or empty when there is no such secret.
     *
     * @throws RuntimeException when the store cannot be read (its message must name the secret, never a value)
     */
    Optional<String> value(String name);
}
