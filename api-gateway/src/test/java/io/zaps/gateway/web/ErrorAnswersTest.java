package io.zaps.gateway.web;

import io.zaps.gateway.GatewayTestSupport;
import io.zaps.gateway.RawHttp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every error answer is {@code application/problem+json}, also those Tomcat gives before a request reaches Spring (an
 * encoded {@code /}, a {@code \}, a NUL in the path, a control character in a header, CONNECT) and those of its error
 * dispatch (TRACE). Sent over a raw socket: no client library sends these requests as written.
 */
class ErrorAnswersTest extends GatewayTestSupport {

    static Stream<Arguments> refusedRequests() {
        return Stream.of(
                Arguments.of("encoded slashes", "GET /api/workflows/..%2f..%2fetc%2fpasswd HTTP/1.1", Map.of(), 400),
                Arguments.of("encoded upper-case slash", "GET /api/workflows/a%2Fb HTTP/1.1", Map.of(), 400),
                Arguments.of("encoded backslashes", "GET /api/workflows/..%5c..%5cetc%5cpasswd HTTP/1.1", Map.of(), 400),
                Arguments.of("a raw backslash", "GET /api/workflows/..\\..\\etc\\passwd HTTP/1.1", Map.of(), 400),
                Arguments.of("an encoded NUL", "GET /api/workflows/abc%00.json HTTP/1.1", Map.of(), 400),
                Arguments.of("dot segments above the root", "GET /../../etc/passwd HTTP/1.1", Map.of(), 400),
                Arguments.of("a malformed escape", "GET /api/workflows/%zz HTTP/1.1", Map.of(), 400),
                Arguments.of("a character not allowed in a path", "GET /api/workflows/a{b} HTTP/1.1", Map.of(), 400),
                Arguments.of("a control character in Idempotency-Key", "POST /api/workflows/x/trigger HTTP/1.1",
                        Map.of("Idempotency-Key", "key\u0001one", "Content-Type", "application/json"), 400),
                Arguments.of("CONNECT", "CONNECT 127.0.0.1:8080 HTTP/1.1", Map.of(), 501),
                Arguments.of("TRACE", "TRACE /api/workflows HTTP/1.1", Map.of(), 405),
                Arguments.of("TRACE of the health check", "TRACE /health HTTP/1.1", Map.of(), 405));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedRequests")
    void isAProblemNotAnHtmlPage(String what, String requestLine, Map<String, String> headers, int status) {
        Map<String, String> withKey = new java.util.HashMap<>(headers);
        withKey.put("X-API-Key", API_KEY);

        RawHttp.Answer answer = RawHttp.send(port, requestLine, withKey, requestLine.startsWith("POST") ? "{}" : null);

        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).as(answer.body()).startsWith("application/problem+json");
        JsonNode problem = answer.json();
        assertThat(problem.get("status").intValue()).isEqualTo(status);
        assertThat(problem.get("title").stringValue()).isNotBlank();
        assertThat(problem.get("detail").stringValue()).isNotBlank();
        assertThat(answer.body()).doesNotContain("<html").doesNotContain("passwd").doesNotContain("Exception")
                .doesNotContain("Tomcat").doesNotContain("\"path\"");
        assertThat(problem.has("instance")).as("no request path echoed").isFalse();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "GET,    /api/workflows/wf;x,                          id",
            "GET,    /api/workflows/wf%3Bx/versions,               id",
            "POST,   /api/workflows/wf;x/trigger,                  id",
            "GET,    /api/workflows/wf/versions/1;x,               version",
            "GET,    /api/runs/7c9e6679-7425-40de-944b-e07fc1f90ae7;x, run_id",
            "POST,   /api/runs/7c9e6679-7425-40de-944b-e07fc1f90ae7;x/cancel, run_id",
            "POST,   /hooks/wf;x,                                  workflow_id",
            "GET,    /api/workflows;x,                             path",
            "GET,    /health;x,                                    path"})
    void aSemicolonInAPathIsRefusedNamingThePathParameter(String method, String path, String field) {
        Response response = send(method, path, method.equals("GET") ? null : "{}",
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json"));
        assertProblem(response, 400, field);
        assertThat(response.json().has("instance")).isFalse();
    }

    @ParameterizedTest(name = "{0} {1} as {2}")
    @CsvSource({
            "POST, /api/workflows,                text/plain",
            "POST, /api/workflows,                application/xml",
            "PUT,  /api/workflows/some_workflow,  application/octet-stream",
            "POST, /api/workflows/some_workflow/trigger, text/plain",
            "PUT,  /api/secrets/some_secret,      text/plain"})
    void everyJsonBodyEndpointRefusesAnotherTypeWith415(String method, String path, String type) {
        Response response = send(method, path, "{}", Map.of("X-API-Key", API_KEY, "Content-Type", type));
        assertProblem(response, 415, null);
        assertThat(response.json().has("instance")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/api/workflows/unknown_wf", "/api/secrets/unknown_secret", "/api/nothing/here"})
    void aProblemNeverEchoesThePath(String path) {
        Response response = send("GET", path, null, Map.of("X-API-Key", API_KEY, "Accept", "text/html"));
        assertProblem(response, 404, null);
        assertThat(response.json().has("instance")).isFalse();
        Response unauthorized = send("GET", path, null, Map.of());
        assertProblem(unauthorized, 401, null);
        assertThat(unauthorized.body()).doesNotContain(path);
    }
}
