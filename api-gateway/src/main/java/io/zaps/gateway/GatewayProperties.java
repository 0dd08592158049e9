package io.zaps.gateway;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the API gateway ({@code zaps.gateway.*}). Every field has a default for the local run.
 *
 * @param dataDir               the data folder of the JSON file store, shared by the gateways only: the other services
 *                              get workflow definitions from {@code zaps.workflows} ({@code ZAPS_DATA_DIR}, default {@code ./.zaps})
 * @param apiKeys               accepted API keys ({@code ZAPS_API_KEYS}, comma-separated); empty means the API is open.
 *                              Clients send {@code X-API-Key: <key>} or {@code Authorization: Bearer <key>}
 * @param triggerPublishTimeout how long a trigger request waits for Kafka to acknowledge its record before it
 *                              answers 503
 * @param maxListSize           the largest {@code limit} a run listing accepts
 * @param maxBodySize           request bodies above this size are refused with 413
 * @param corsAllowedOrigins    origins allowed to call {@code /api/**} from a browser (exact origins; none by
 *                              default). Credentials (cookies) are never allowed: API keys travel in headers
 * @param projectorGroup        the consumer group of the run-event projector. A new group name rebuilds the file
 *                              store's run snapshots from the start of {@code zaps.run-events}
 * @param idempotencyWindow     how long a trigger's {@code Idempotency-Key} keeps answering the run it started
 *                              (default 24h); after it, the same key starts a new run
 * @param retentionDays         how many days after it finished a run's snapshot is kept in the data folder
 *                              (default 30; {@code 0} keeps everything forever). A daily job (also once at
 *                              start-up) deletes older finished runs, expired idempotency records, and
 *                              attachments not stored for that many days ({@code ZAPS_RETENTION_DAYS})
 * @param retryWindow           how long after it failed a run may still be retried (default 7d). The executor keeps
 *                              a failed run whole for {@code zaps.executor.failed-run-retention} (default 7d) and
 *                              ignores a {@code retry_run} after that: keep the two equal, so that an older run is
 *                              refused with 409 here instead of being accepted and then ignored
 * @param stream                the run stream, {@code GET /api/runs/stream} (server-sent events)
 * @param completionTail        whether this gateway reads every partition of {@code zaps.run-events} (no consumer
 *                              group, from the end) for the runs its {@code respond: on_completion} webhooks wait on
 *                              (default true). Needed with several gateways, whose projectors each own only some
 *                              partitions; a lone gateway's projector owns them all and answers the waits itself, so
 *                              there it may be turned off to save reading each event twice
 * @param admission             admission control of triggers ({@code zaps.gateway.admission.*}): past a bound of runs
 *                              accepted and not yet ended, triggers are refused with 429 and {@code Retry-After}
 */
@Validated
@ConfigurationProperties("zaps.gateway")
public record GatewayProperties(
        Path dataDir,
        List<String> apiKeys,
        Duration triggerPublishTimeout,
        @Min(1) @Max(100_000) Integer maxListSize,
        DataSize maxBodySize,
        List<String> corsAllowedOrigins,
        @NotBlank String projectorGroup,
        Duration idempotencyWindow,
        @Min(0) @Max(36_500) Integer retentionDays,
        Duration retryWindow,
        @jakarta.validation.Valid StreamSettings stream,
        Boolean completionTail,
        @jakarta.validation.Valid AdmissionSettings admission) {

    /**
     * Admission control of {@code POST /api/workflows/{id}/trigger} and {@code POST /hooks/{id}}
     * ({@code zaps.gateway.admission.*}, see {@link io.zaps.gateway.run.RunAdmission}).
     *
     * @param maxUnfinishedRuns runs this gateway accepted and has not yet seen end, at most (default 5,000;
     *                          {@code ZAPS_ADMISSION_MAX_UNFINISHED_RUNS}); one trigger more is answered 429 with
     *                          {@code Retry-After} and publishes nothing. {@code 0} turns the bound off. Size it as the
     *                          runs the pipeline completes per second times the seconds a run may wait in the backlog,
     *                          well below the steps' timeouts (default 30 s): 5,000 is 25 s at 200 runs/s
     * @param countFor          how long a run counts at most (default 60s): runs that wait on purpose (a delay, an
     *                          event) stop counting after it, and so do runs whose end this gateway cannot see (another
     *                          gateway projects them and {@code completion-tail} is off)
     * @param retryAfter        the {@code Retry-After} of a 429 (default 1s, rounded up to whole seconds)
     * @param maxWait           how long a trigger waits for a place at the bound before it is refused (default 100ms;
     *                          {@code 0} refuses at once): places free as runs end, so most triggers are then admitted at
     *                          the pace runs end, and clients that resend a 429 at once cost the gateway less
     */
    public record AdmissionSettings(@Min(0) @Max(10_000_000) Integer maxUnfinishedRuns, Duration countFor, Duration retryAfter,
                                    Duration maxWait) {
        public AdmissionSettings {
            maxWait = maxWait == null ? Duration.ofMillis(100) : maxWait;
            if (maxWait.isNegative() || maxWait.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("zaps.gateway.admission.max-wait must be from 0 to 10s");
            }
            maxUnfinishedRuns = maxUnfinishedRuns == null ? 5_000 : maxUnfinishedRuns;
            countFor = countFor == null ? Duration.ofSeconds(60) : countFor;
            retryAfter = retryAfter == null ? Duration.ofSeconds(1) : retryAfter;
            if (countFor.isNegative() || countFor.isZero() || retryAfter.isNegative()) {
                throw new IllegalArgumentException("zaps.gateway.admission.count-for must be positive, retry-after not negative");
            }
        }
    }

    /**
     * Settings of the run stream ({@code zaps.gateway.stream.*}).
     *
     * @param maxClients how many streams may be open at once (default 100); one more is refused with 503
     * @param heartbeat  how often an idle stream gets a comment line, so proxies keep it open (default 15s)
     * @param timeout    how long one stream stays open (default 30m); the browser's EventSource then reconnects
     * @param queueSize  events waiting for one client at most (default 256); a client that falls further behind is
     *                   dropped (it reconnects and reads the listing again)
     */
    public record StreamSettings(@Min(1) @Max(10_000) Integer maxClients, Duration heartbeat, Duration timeout,
                         @Min(1) @Max(100_000) Integer queueSize) {
        public StreamSettings {
            maxClients = maxClients == null ? 100 : maxClients;
            heartbeat = heartbeat == null ? Duration.ofSeconds(15) : heartbeat;
            timeout = timeout == null ? Duration.ofMinutes(30) : timeout;
            queueSize = queueSize == null ? 256 : queueSize;
            if (heartbeat.isNegative() || heartbeat.isZero() || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("zaps.gateway.stream.heartbeat and timeout must be positive");
            }
        }
    }

    public static final String DEFAULT_PROJECTOR_GROUP = "zaps-run-projector";

    public GatewayProperties {
        dataDir = dataDir == null ? Path.of(".zaps") : dataDir;
        apiKeys = clean(apiKeys);
        triggerPublishTimeout = triggerPublishTimeout == null ? Duration.ofSeconds(10) : triggerPublishTimeout;
        maxListSize = maxListSize == null ? 1000 : maxListSize;
        maxBodySize = maxBodySize == null ? DataSize.ofMegabytes(1) : maxBodySize;
        corsAllowedOrigins = clean(corsAllowedOrigins);
        projectorGroup = projectorGroup == null ? DEFAULT_PROJECTOR_GROUP : projectorGroup;
        idempotencyWindow = idempotencyWindow == null ? Duration.ofHours(24) : idempotencyWindow;
        retentionDays = retentionDays == null ? 30 : retentionDays;
        retryWindow = retryWindow == null ? Duration.ofDays(7) : retryWindow;
        stream = stream == null ? new StreamSettings(null, null, null, null) : stream;
        completionTail = completionTail == null ? Boolean.TRUE : completionTail;
        admission = admission == null ? new AdmissionSettings(null, null, null, null) : admission;
        if (retryWindow.isNegative() || retryWindow.isZero()) {
            throw new IllegalArgumentException("zaps.gateway.retry-window must be positive");
        }
        if (idempotencyWindow.isNegative() || idempotencyWindow.isZero()) {
            throw new IllegalArgumentException("zaps.gateway.idempotency-window must be positive");
        }
        if (triggerPublishTimeout.isNegative() || triggerPublishTimeout.isZero()) {
            throw new IllegalArgumentException("zaps.gateway.trigger-publish-timeout must be positive");
        }
        if (maxBodySize.toBytes() < 1024) {
            throw new IllegalArgumentException("zaps.gateway.max-body-size must be at least 1KB");
        }
        if (corsAllowedOrigins.contains("*")) {
            throw new IllegalArgumentException("zaps.gateway.cors-allowed-origins must list exact origins, not '*'");
        }
    }

    /** The API is open when no key is configured. */
    public boolean authEnabled() {
        return !apiKeys.isEmpty();
    }

    private static List<String> clean(List<String> values) {
        return values == null ? List.of() : values.stream().map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }
}
