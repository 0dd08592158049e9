package io.zaps.gateway.web;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Leaves {@code instance} out of every problem. Spring fills it with the request path, and a path may hold what must
 * not be echoed: a secret's name, an id with odd characters, a token pasted into the URL by mistake; answers end up in
 * logs and proxies. The route template (e.g. {@code /api/secrets/{name}}) would be safe, but it is no URI reference
 * ({@code {}} are not allowed in one) and tells the client nothing it did not send; RFC 9457 makes the member
 * optional. {@link Problems} and {@link ProblemErrorReportValve} never set it either.
 */
@RestControllerAdvice
class ProblemInstanceAdvice implements ResponseBodyAdvice<Object> {

    @Override
    public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object beforeBodyWrite(Object body, MethodParameter returnType, MediaType contentType,
                                  Class<? extends HttpMessageConverter<?>> converterType, ServerHttpRequest request,
                                  ServerHttpResponse response) {
        if (body instanceof ProblemDetail problem) {
            problem.setInstance(null);
        }
        return body;
    }
}
