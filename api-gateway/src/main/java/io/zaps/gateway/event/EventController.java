package io.zaps.gateway.event;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.zaps.contract.Ids;
import io.zaps.contract.Json;
import io.zaps.contract.Topics;
import io.zaps.contract.event.CorrelationEvent;
import io.zaps.contract.step.WaitForEventSpec;
import io.zaps.gateway.web.ApiException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

import java.time.Clock;
import java.util.UUID;

/**
 * {@code POST /api/events}: publishes an event on {@link Topics#EVENTS}, keyed by its correlation key; the
 * executor resumes every run whose {@code wait_for_event} step waits on that key when it reads the event.
 */
@Tag(name = "events", description = "Events that runs wait for (wait_for_event)")
@RestController
class EventController {
    private final EventPublisher publisher;
    private final Clock clock;

    EventController(EventPublisher publisher, Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
    }

    /** What the API documents as the body (read as JSON, checked by hand so that each field is named). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record EventBody(
            @Schema(description = "the correlation key: 1 to 256 characters, no control characters", example = "order-A-1",
                    requiredMode = Schema.RequiredMode.REQUIRED) String key,
            @Schema(description = "any JSON: the output of every step it resumes; default {}") Object data,
            @Schema(description = "your id of the event, 1 to 200 characters, passed on for tracing; default: a new UUID") String eventId) {
    }

    /** The answer: what was published. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    record Published(String key, String eventId) {
    }

    @Operation(summary = "Publish an event for the runs waiting on its key",
            description = "Every run whose wait_for_event step waits on key when the executor reads the event resumes, with "
                    + "data as that step's output (within its limit of 512 KiB, else the event is dead-lettered). An event "
                    + "that finds no run waiting is dropped: events are not kept for runs that start waiting later. 202 once "
                    + "Kafka acknowledged the event on zaps.events (the runs resume a moment later).",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(schema = @Schema(implementation = EventBody.class))))
    @ApiResponse(responseCode = "202", description = "published; the body says with which key and event_id")
    @ApiResponse(responseCode = "400", description = "the body is not a JSON object, or key or event_id is missing or malformed")
    @ApiResponse(responseCode = "503", description = "Kafka did not take the event; nothing changed")
    @PostMapping("/api/events")
    ResponseEntity<Published> publish(@RequestBody(required = false) JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("", "the body must be a JSON object {\"key\": \"...\", \"data\": {...}}");
        }
        JsonNode keyNode = body.get("key");
        if (keyNode == null || !keyNode.isString()) {
            throw ApiException.badRequest("key", "is required (a string, the correlation key the runs wait on)");
        }
        String key = keyNode.stringValue();
        String problem = WaitForEventSpec.keyProblem(key);
        if (problem != null) {
            throw ApiException.badRequest("key", problem);
        }
        JsonNode eventIdNode = body.get("event_id");
        String eventId;
        if (eventIdNode == null || eventIdNode.isNull()) {
            eventId = UUID.randomUUID().toString();
        } else if (!eventIdNode.isString() || eventIdNode.stringValue().isBlank() || eventIdNode.stringValue().length() > Ids.MAX_EVENT_ID) {
            throw ApiException.badRequest("event_id", "must be a string of 1 to " + Ids.MAX_EVENT_ID + " characters");
        } else {
            eventId = eventIdNode.stringValue();
        }
        JsonNode data = body.get("data");
        CorrelationEvent event = CorrelationEvent.of(key, data == null || data.isNull() ? Json.object() : data, eventId, clock.instant());
        publisher.publish(Topics.EVENTS, key, event, "event");
        return ResponseEntity.accepted().body(new Published(key, eventId));
    }
}
