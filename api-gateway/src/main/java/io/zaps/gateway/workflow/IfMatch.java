package io.zaps.gateway.workflow;

import io.zaps.gateway.web.ApiException;
import org.springframework.http.HttpStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@code If-Match} header (RFC 9110, 13.1.1) against a workflow whose entity tag is its version ({@code ETag: "7"}).
 * Strong comparison: a weak tag ({@code W/"7"}) never matches; {@code *} matches any existing workflow. An absent header
 * matches everything (last writer wins).
 */
record IfMatch(boolean any, List<String> tags) {
    static final String HEADER = "If-Match";
    static final IfMatch ABSENT = new IfMatch(true, List.of());
    private static final Pattern TAG = Pattern.compile("\\s*(W/)?\"([\\x21\\x23-\\x7E]*)\"\\s*(,|$)");

    /** The header's value, or 400 naming {@code If-Match} when it is not {@code *} or a list of quoted entity tags. */
    static IfMatch parse(String header) {
        if (header == null) {
            return ABSENT;
        }
        if (header.strip().equals("*")) {
            return new IfMatch(true, List.of());
        }
        List<String> strong = new ArrayList<>();
        Matcher matcher = TAG.matcher(header);
        int at = 0;
        while (at < header.length() && matcher.find(at) && matcher.start() == at) {
            if (matcher.group(1) == null) {
                strong.add(matcher.group(2));
            }
            at = matcher.end();
        }
        if (at == 0 || at < header.length()) {
            throw ApiException.badRequest(HEADER, "must be * or entity tags in quotes, e.g. If-Match: \"7\" (a workflow's ETag is its version)");
        }
        return new IfMatch(false, List.copyOf(strong));
    }

    /** The entity tag of a workflow version: the version in quotes. */
    static String etag(int version) {
        return "\"" + version + "\"";
    }

    /** 412 naming the current version unless the header matches it. */
    void check(String workflowId, int currentVersion) {
        if (any || tags.contains(Integer.toString(currentVersion))) {
            return;
        }
        throw new ApiException(HttpStatus.PRECONDITION_FAILED, "workflow '" + workflowId + "' is at version " + currentVersion
                + ", which If-Match does not name; read it again, apply your change to it and send If-Match: " + etag(currentVersion),
                List.of())
                .with("current_version", currentVersion)
                .withHeader("ETag", etag(currentVersion));
    }
}
