package io.zaps.gateway.catalog;

import io.zaps.contract.Ids;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * The opaque {@code cursor} of a run listing: the position of the last run of a page (its {@code created_at} and run
 * id), base64url. The next page starts after it, so runs arriving meanwhile (they are newer, hence before it) neither
 * repeat nor push runs off the next page.
 */
final class RunCursor {
    private RunCursor() {}

    static String encode(RunCatalog.Key key) {
        String time = key.createdAt().equals(Instant.MIN) ? "-" : key.createdAt().getEpochSecond() + "." + key.createdAt().getNano();
        return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "/" + key.runId()).getBytes(StandardCharsets.US_ASCII));
    }

    /** The position a cursor names; {@link IllegalArgumentException} when it is not one this gateway made. */
    static RunCatalog.Key decode(String cursor) {
        if (cursor.length() > 120) {
            throw new IllegalArgumentException("too long");
        }
        String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
        int slash = text.indexOf('/');
        if (slash < 0 || !Ids.isRunId(text.substring(slash + 1))) {
            throw new IllegalArgumentException("malformed");
        }
        String time = text.substring(0, slash);
        Instant createdAt;
        if (time.equals("-")) {
            createdAt = Instant.MIN;
        } else {
            int dot = time.indexOf('.');
            if (dot < 0) {
                throw new IllegalArgumentException("malformed");
            }
            createdAt = Instant.ofEpochSecond(Long.parseLong(time.substring(0, dot)), Integer.parseInt(time.substring(dot + 1)));
        }
        return new RunCatalog.Key(createdAt, text.substring(slash + 1));
    }
}
