package io.zaps.gateway.web;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat's last word on an error: renders a problem ({@code application/problem+json}) where Tomcat's own
 * {@link ErrorReportValve} would write an HTML page. It answers the requests Tomcat refuses before any servlet sees
 * them: an encoded {@code /} or {@code \}, a NUL or a malformed escape in the path, a control character in a header,
 * CONNECT. Installed on the host by {@link TomcatProblemsConfiguration}. Its detail is one fixed sentence per status:
 * Tomcat's own messages may quote the request target, which may hold a secret.
 */
final class ProblemErrorReportValve extends ErrorReportValve {
    private final JsonMapper mapper;

    ProblemErrorReportValve(JsonMapper mapper) {
        this.mapper = mapper;
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        // As Tomcat's valve: nothing to do for a success, an answer already written, or one already reported.
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        try {
            String body = mapper.writeValueAsString(Problems.forStatus(status));
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the response cannot be written any more: nothing left to tell it
        }
    }
}
