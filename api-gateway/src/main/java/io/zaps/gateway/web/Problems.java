package io.zaps.gateway.web;

import io.zaps.contract.workflow.Violation;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/** Builds RFC 9457 problem details: {@code detail} names the first field at fault, {@code errors} lists all. */
public final class Problems {
    private Problems() {}

    public static ProblemDetail of(HttpStatusCode status, String detail, List<Violation> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors);
        }
        return problem;
    }

    /**
     * A problem for an error that reached no API handler (Tomcat refused the request, or its error page answers): one
     * fixed sentence per status, never a part of the request.
     */
    static ProblemDetail forStatus(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        String detail = switch (status) {
            case 400 -> "the request is malformed and was refused before it reached the API "
                    + "(e.g. an encoded '/' or '\\', a NUL or a bad escape in the path, a control character in a header)";
            case 404 -> "there is nothing at this path";
            case 405 -> "the method is not allowed here";
            case 413 -> "the request is too large";
            case 501 -> "the method is not implemented by this server";
            default -> status >= 500 ? "unexpected error; see the gateway log"
                    : known != null ? known.getReasonPhrase().toLowerCase(java.util.Locale.ROOT) : "the request was refused";
        };
        return of(known != null ? known : HttpStatusCode.valueOf(status), detail, List.of());
    }

    /** Writes a problem from a servlet filter, where no message converter runs; {@code instance} is left out (see {@link ProblemInstanceAdvice}). */
    static void write(HttpServletRequest request, HttpServletResponse response, JsonMapper mapper, HttpStatus status, String detail)
            throws IOException {
        ProblemDetail problem = of(status, detail, List.of());
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(mapper.writeValueAsBytes(problem));
    }
}
