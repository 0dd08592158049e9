package io.zaps.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses a {@code ;} anywhere in a request path, raw or encoded ({@code %3B}), with 400 naming the path parameter it is
 * in. Spring reads {@code a;b} in a path segment as the value {@code a} with a matrix parameter {@code b} and drops the
 * rest silently, so {@code PUT /api/secrets/a;b} stored a secret named {@code a}. No Zaps id may hold a {@code ;}, so
 * refusing every one is safe; the check runs once a handler is chosen, so the route template names the parameter.
 */
final class SemicolonGuard implements HandlerInterceptor {
    private static final Pattern VARIABLE = Pattern.compile("\\{\\*?([^}:]+)(:[^}]*)?}");

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String uri = request.getRequestURI(); // as sent: still encoded, path parameters kept
        if (uri.indexOf(';') < 0 && !uri.toLowerCase(Locale.ROOT).contains("%3b")) {
            return true;
        }
        String field = parameterAt(uri, (String) request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE));
        String where = field.equals("path") ? "the path" : "path parameter '" + field + "'";
        throw ApiException.badRequest(field, where + " must not contain ';' (matrix parameters are not supported)");
    }

    /** The name of the template variable whose segment holds the first {@code ;}, else {@code path}. */
    static String parameterAt(String uri, String pattern) {
        if (pattern == null) {
            return "path";
        }
        String[] segments = uri.split("/", -1);
        String[] templates = pattern.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String segment = segments[i].toLowerCase(Locale.ROOT);
            if (segment.indexOf(';') < 0 && !segment.contains("%3b")) {
                continue;
            }
            if (i < templates.length) {
                Matcher variable = VARIABLE.matcher(templates[i]);
                if (variable.matches()) {
                    return variable.group(1);
                }
            }
            return "path";
        }
        return "path";
    }
}
