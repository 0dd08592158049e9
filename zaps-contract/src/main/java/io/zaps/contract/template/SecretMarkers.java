package io.zaps.contract.template;

import io.zaps.contract.trigger.SecretRef;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a secret reference travels from the executor to a connector: {@code {{ secret('smtp') }}} in a step config renders
 * to the marker {@code U+E000 secret('smtp') U+E001} — the reference itself between two private-use characters — and the
 * connector replaces each marker with the stored value just before its handler runs (the executor never sees a value).
 *
 * <p>Markers are unforgeable: {@link Templates} strips {@link #OPEN} and {@link #CLOSE} from everything a template takes
 * from the run's data (trigger context, step outputs), so only a {@code secret('name')} written in the workflow
 * definition can produce one. In a run snapshot a marker shows as the reference, e.g. {@code Bearer secret('api_token')}
 * between the two invisible characters.
 */
public final class SecretMarkers {
    /** Opens a marker (a private-use character, never kept in data a template renders). */
    public static final char OPEN = '\uE000';
    /** Closes a marker. */
    public static final char CLOSE = '\uE001';
    /** One marker; group 1 is the secret's name. */
    public static final Pattern MARKER = Pattern.compile(OPEN + "secret\\('(" + SecretRef.NAME.pattern() + ")'\\)" + CLOSE);

    private SecretMarkers() {}

    /** The marker that stands for {@code name} in a rendered config. */
    public static String marker(String name) {
        if (!SecretRef.isValidName(name)) {
            throw new IllegalArgumentException("not a secret name: " + name);
        }
        return OPEN + "secret('" + name + "')" + CLOSE;
    }

    /** Whether {@code text} holds at least one marker. */
    public static boolean hasMarker(String text) {
        return text != null && text.indexOf(OPEN) >= 0 && MARKER.matcher(text).find();
    }

    /** The names of the secrets {@code text} refers to, in order of appearance. */
    public static Set<String> names(String text) {
        Set<String> names = new LinkedHashSet<>();
        if (text != null && text.indexOf(OPEN) >= 0) {
            Matcher m = MARKER.matcher(text);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** {@code text} with every marker replaced by {@code value.apply(name)}. */
    public static String replace(String text, Function<String, String> value) {
        if (text == null || text.indexOf(OPEN) < 0) {
            return text;
        }
        Matcher m = MARKER.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(value.apply(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code text} without the two marker characters: what data that is not a reference becomes in a rendered config. */
    public static String strip(String text) {
        if (text == null || (text.indexOf(OPEN) < 0 && text.indexOf(CLOSE) < 0)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != OPEN && c != CLOSE) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
