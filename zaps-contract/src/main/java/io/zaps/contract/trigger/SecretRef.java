package io.zaps.contract.trigger;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A reference to a value in the credential store: {@code {{ secret('name') }}}. Trigger configs hold only such
 * references; step configs may use {@code secret('name')} inside templates, resolved by the connector.
 */
public final class SecretRef {
    /** Secret names: a letter or digit, then up to 63 letters, digits, {@code _}, {@code .} or {@code -}. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern WHOLE = Pattern.compile("^\\{\\{\\s*secret\\(\\s*(['\"])(" + NAME.pattern() + ")\\1\\s*\\)\\s*}}$");

    private SecretRef() {}

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The secret name when {@code value} is exactly one reference, e.g. {@code {{ secret('imap') }}}. */
    public static Optional<String> name(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = WHOLE.matcher(value.strip());
        return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
    }

    /** The reference to {@code name}, as a user writes it. */
    public static String of(String name) {
        return "{{ secret('" + name + "') }}";
    }
}
