package io.zaps.connector.pdf;

import io.zaps.contract.step.PdfExtractSpec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pulls fields out of a document's text by the config's rules and labels; a field not found is left out. */
final class FieldExtractor {
    private FieldExtractor() {
    }

    static Map<String, String> extract(PdfConfig config, String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String label : config.labels()) {
            // "Label: value" on one line; the label case-insensitive, spaces around the colon optional.
            Pattern line = Pattern.compile("(?im)^[ \\t]*" + Pattern.quote(label) + "[ \\t]*:[ \\t]*(\\S.*?)[ \\t]*$");
            Matcher matcher = line.matcher(text);
            if (matcher.find()) {
                fields.put(PdfExtractSpec.fieldKey(label), matcher.group(1));
            }
        }
        for (PdfConfig.Rule rule : config.rules()) {
            String value = rule.valueIn(text);
            if (value != null) {
                fields.put(rule.name(), value);
            }
        }
        return fields;
    }
}
