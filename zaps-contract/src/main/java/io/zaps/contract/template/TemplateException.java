package io.zaps.contract.template;

/** A template that could not be rendered against a run's data; names the config field. */
public class TemplateException extends RuntimeException {
    private final String field;

    public TemplateException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
