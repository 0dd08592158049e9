package io.zaps.gateway.web;

import io.zaps.gateway.catalog.RunStream;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * Guards {@code /api/**} when API keys are configured: {@code X-API-Key: <key>} or
 * {@code Authorization: Bearer <key>}, else 401. Keys are never logged. CORS pre-flight requests
 * carry no credentials by design and pass (the CORS rules answer them). Inbound webhooks
 * ({@code /hooks/**}) are not guarded here: each authenticates with its workflow's own secret
 * ({@code io.zaps.gateway.hook.HookController}). Nor is anything outside {@code /api/} (the filter is registered
 * for {@code /api/*} only): the web console's static files ({@code /}, {@code /index.html}, {@code /console/**},
 * {@code /webjars/**}), the API docs and {@code /health} need no key; the console sends the key with its API calls.
 *
 * <p>One exception to "headers only": {@value #STREAM_PATH} also takes the key as the query parameter
 * {@value #QUERY_PARAMETER}, because a browser's {@code EventSource} cannot set headers. A key in a URL may be
 * written to access logs and proxies' logs; docs/security.md says so. No other path reads the parameter.
 */
class ApiKeyFilter extends OncePerRequestFilter {
    static final String HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";
    static final String STREAM_PATH = RunStream.PATH;
    static final String QUERY_PARAMETER = "api_key";

    private final ApiKeys keys;
    private final JsonMapper mapper;

    ApiKeyFilter(ApiKeys keys, JsonMapper mapper) {
        this.keys = keys;
        this.mapper = mapper;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!keys.enabled() || CorsUtils.isPreFlightRequest(request) || keys.accepts(presentedKey(request))) {
            chain.doFilter(request, response);
            return;
        }
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        Problems.write(request, response, mapper, HttpStatus.UNAUTHORIZED,
                "a valid API key is required: send X-API-Key: <key> or Authorization: Bearer <key>");
    }

    private static String presentedKey(HttpServletRequest request) {
        String key = request.getHeader(HEADER);
        if (key != null) {
            return key.trim();
        }
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).trim();
        }
        if ("GET".equals(request.getMethod()) && (request.getContextPath() + STREAM_PATH).equals(request.getRequestURI())) {
            return request.getParameter(QUERY_PARAMETER);
        }
        return null;
    }
}
