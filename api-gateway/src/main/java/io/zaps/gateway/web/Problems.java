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
import java.net.URI;
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

    /** Writes a problem from a servlet filter, where no message converter runs. */
    static void write(HttpServletRequest request, HttpServletResponse response, JsonMapper mapper, HttpStatus status, String detail)
            throws IOException {
        ProblemDetail problem = of(status, detail, List.of());
        try {
            problem.setInstance(URI.create(request.getRequestURI()));
        } catch (IllegalArgumentException ignored) {
            // a path that is no valid URI is simply not echoed
        }
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream().write(mapper.writeValueAsBytes(problem));
    }
}
