package io.zaps.gateway.web;

import io.zaps.contract.workflow.Violation;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An error answer of the API; {@link ProblemHandler} turns it into an RFC 9457 problem. */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final List<Violation> errors;
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiException(HttpStatus status, String detail, List<Violation> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    /** 400 naming the one field at fault (a body field, path or query parameter). */
    public static ApiException badRequest(String field, String message) {
        return invalid(List.of(new Violation(field, message)));
    }

    /** 400 listing every violation; the detail names the first. */
    public static ApiException invalid(List<Violation> violations) {
        Violation first = violations.get(0);
        String detail = (first.field().isEmpty() ? "" : first.field() + ": ") + first.message()
                + (violations.size() > 1 ? " (and " + (violations.size() - 1) + " more, see errors)" : "");
        return new ApiException(HttpStatus.BAD_REQUEST, detail, violations);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, detail, List.of());
    }

    public static ApiException conflict(String detail) {
        return new ApiException(HttpStatus.CONFLICT, detail, List.of());
    }

    public ApiException with(String property, Object value) {
        properties.put(property, value);
        return this;
    }

    /** A header of the answer besides the problem (e.g. the current {@code ETag} of a 412). */
    public ApiException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public HttpStatus status() {
        return status;
    }

    public ProblemDetail toProblem() {
        ProblemDetail problem = Problems.of(status, getMessage(), errors);
        properties.forEach(problem::setProperty);
        return problem;
    }
}
