package io.zaps.gateway.web;

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
 * ({@code io.zaps.gateway.hook.HookController}).
 */
class ApiKeyFilter extends OncePerRequestFilter {
    static final String HEADER = "X-API-Key";
    private static final String BEARER = "Bearer ";

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
        return null;
    }
}
