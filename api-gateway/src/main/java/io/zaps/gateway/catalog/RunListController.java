package io.zaps.gateway.catalog;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Ids;
import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.web.ApiException;
import io.zaps.store.RunSummary;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

@Tag(name = "runs")
@RestController
class RunListController {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    /** How long a listing waits for the start-up scan before it answers 503. */
    static final Duration LOAD_WAIT = Duration.ofSeconds(10);
    private static final Pattern RUN_ID_PREFIX = Pattern.compile("[0-9a-f-]{4,36}");

    private final RunCatalog catalog;

    RunListController(RunCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * One page of runs.
     *
     * @param runs       run summaries, newest first
     * @param nextCursor pass as {@code cursor} for the next page; null on the last page
     * @param counts     runs per status for the same filters except {@code status} (and the cursor): every status, zeros included
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record RunPage(List<RunSummary> runs, String nextCursor, Map<String, Integer> counts) {
    }

    @Operation(summary = "List runs across all workflows, newest first",
            description = "Summaries (no context, no step outputs), newest first by created_at, ties by run_id, served from the "
                    + "gateway's run catalog (memory) without reading run files. Filters combine: workflow_id; status (repeat it or "
                    + "separate with commas: status=running,failed); since (inclusive) and until (exclusive), ISO-8601 instants "
                    + "compared with created_at; run_id, a whole run id or its first 4 or more characters. counts has every status "
                    + "for the same filters except status, so a console can show tabs with totals. Paging: pass next_cursor as "
                    + "cursor; runs that arrive meanwhile are newer than the cursor, so pages never repeat or skip a run. "
                    + "Example: GET /api/runs?status=failed&since=2030-01-01T00:00:00Z&limit=20")
    @ApiResponse(responseCode = "200", description = "one page of run summaries, the next cursor and counts per status")
    @ApiResponse(responseCode = "400", description = "a query parameter is malformed or out of range; errors names it")
    @ApiResponse(responseCode = "503", description = "the run catalog is still being read from the data folder after a start; retry shortly")
    @GetMapping("/api/runs")
    RunPage list(@Parameter(description = "only this workflow's runs") @RequestParam(name = "workflow_id", required = false) String workflowId,
                 @Parameter(description = "only runs in these statuses (pending, running, paused, completed, failed, cancelled); "
                         + "repeat or comma-separate") @RequestParam(name = "status", required = false) List<String> status,
                 @Parameter(description = "created at or after this instant, e.g. 2030-01-01T00:00:00Z")
                 @RequestParam(name = "since", required = false) String since,
                 @Parameter(description = "created before this instant") @RequestParam(name = "until", required = false) String until,
                 @Parameter(description = "a run id, or its first 4 or more characters")
                 @RequestParam(name = "run_id", required = false) String runId,
                 @Parameter(description = "next_cursor of the previous page") @RequestParam(name = "cursor", required = false) String cursor,
                 @Parameter(description = "page size, 1 to " + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")")
                 @RequestParam(name = "limit", required = false) Integer limit) throws InterruptedException {
        if (workflowId != null && !Ids.isSafe(workflowId)) {
            throw ApiException.badRequest("workflow_id", "must match " + Ids.SAFE_ID.pattern());
        }
        int max = limit == null ? DEFAULT_LIMIT : limit;
        if (max < 1 || max > MAX_LIMIT) {
            throw ApiException.badRequest("limit", "must be from 1 to " + MAX_LIMIT + " (was " + max + ")");
        }
        if (runId != null && !RUN_ID_PREFIX.matcher(runId).matches()) {
            throw ApiException.badRequest("run_id", "must be a lower-case run id or its first 4 or more characters");
        }
        RunCatalog.Key after = null;
        if (cursor != null) {
            try {
                after = RunCursor.decode(cursor);
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw ApiException.badRequest("cursor", "is not a cursor of this API (pass next_cursor of the previous page unchanged)");
            }
        }
        RunCatalog.Query query = new RunCatalog.Query(workflowId, statuses(status), instant("since", since), instant("until", until),
                runId, after, max);
        if (!catalog.awaitLoaded(LOAD_WAIT)) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "the run catalog is still being read from the data folder ("
                    + catalog.size() + " runs so far); retry shortly", List.of()).withHeader("Retry-After", "5");
        }
        RunCatalog.Page page = catalog.query(query);
        Map<String, Integer> counts = new LinkedHashMap<>();
        page.counts().forEach((s, n) -> counts.put(s.wireName(), n));
        return new RunPage(page.runs(), page.next() == null ? null : RunCursor.encode(page.next()), counts);
    }

    static Set<RunStatus> statuses(List<String> values) {
        Set<RunStatus> statuses = EnumSet.noneOf(RunStatus.class);
        if (values == null) {
            return statuses;
        }
        for (String value : values) {
            for (String part : value.split(",")) {
                String name = part.trim();
                if (name.isEmpty()) {
                    continue;
                }
                RunStatus status = null;
                for (RunStatus candidate : RunStatus.values()) {
                    if (candidate.wireName().equals(name.toLowerCase(Locale.ROOT))) {
                        status = candidate;
                    }
                }
                if (status == null) {
                    throw ApiException.badRequest("status", "must be one or more of " + wireNames() + ", repeated or comma-separated");
                }
                statuses.add(status);
            }
        }
        return statuses;
    }

    static List<String> wireNames() {
        return java.util.Arrays.stream(RunStatus.values()).map(RunStatus::wireName).toList();
    }

    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(name, "must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
        }
    }
}
