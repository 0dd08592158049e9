package io.zaps.gateway.workflow;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class WorkflowApiTest extends GatewayTestSupport {

    @Test
    void createsReadsListsUpdatesAndDeletesAWorkflowKeepingItsVersions() {
        String id = uniqueId("invoice");
        Instant before = Instant.now();

        Response created = post("/api/workflows", workflowJson(id, "active"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.header("Location")).isEqualTo("/api/workflows/" + id);
        JsonNode body = created.json();
        assertThat(body.get("id").stringValue()).isEqualTo(id);
        assertThat(body.get("version").intValue()).as("client-sent version ignored").isEqualTo(1);
        assertThat(body.get("status").stringValue()).isEqualTo("active");
        assertThat(body.get("entry_point").stringValue()).isEqualTo("delay_step");
        Instant createdAt = Instant.parse(body.get("created_at").stringValue());
        assertThat(createdAt).as("client-sent created_at ignored").isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(body.get("created_at").stringValue()).endsWith("Z");
        assertThat(body.get("steps").get(1).get("next_step_id").isNull()).isTrue();

        Response read = get("/api/workflows/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json()).isEqualTo(body);

        Response list = get("/api/workflows");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().valueStream().map(w -> w.get("id").stringValue())).contains(id);

        String changed = workflowJson(id, "paused").replace("Invoice Reminder Workflow", "Renamed");
        Response updated = put("/api/workflows/" + id, changed);
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().get("version").intValue()).isEqualTo(2);
        assertThat(updated.json().get("name").stringValue()).isEqualTo("Renamed");
        assertThat(updated.json().get("status").stringValue()).isEqualTo("paused");
        assertThat(updated.json().get("created_at")).isEqualTo(body.get("created_at"));
        assertThat(get("/api/workflows/" + id).json().get("version").intValue()).isEqualTo(2);

        // the body id may be left out of an update
        Response withoutId = put("/api/workflows/" + id, changed.replace("\"id\": \"" + id + "\",", ""));
        assertThat(withoutId.status()).isEqualTo(200);
        assertThat(withoutId.json().get("version").intValue()).isEqualTo(3);

        Response versions = get("/api/workflows/" + id + "/versions");
        assertThat(versions.status()).isEqualTo(200);
        assertThat(versions.json().valueStream().map(v -> v.get("version").intValue())).containsExactly(1, 2, 3);
        assertThat(versions.json().get(0).get("updated_at").stringValue()).isEqualTo(body.get("updated_at").stringValue());
        assertThat(get("/api/workflows/" + id + "/versions/1").json().get("name").stringValue()).isEqualTo("Invoice Reminder Workflow");
        assertThat(get("/api/workflows/" + id + "/versions/9").status()).isEqualTo(404);
        assertProblem(get("/api/workflows/" + id + "/versions/x"), 400, "version");

        assertThat(delete("/api/workflows/" + id).status()).isEqualTo(204);
        assertThat(get("/api/workflows/" + id).status()).isEqualTo(404);
        assertThat(delete("/api/workflows/" + id).status()).isEqualTo(404);
        assertThat(get("/api/workflows/" + id + "/versions").json().size()).as("versions stay readable").isEqualTo(3);
        assertThat(get("/api/workflows/" + id + "/versions/2").status()).isEqualTo(200);
        assertThat(put("/api/workflows/" + id, changed).status()).as("PUT does not create").isEqualTo(404);

        // created again after the delete: the version count goes on
        Response recreated = post("/api/workflows", workflowJson(id, "active"));
        assertThat(recreated.status()).isEqualTo(201);
        assertThat(recreated.json().get("version").intValue()).isEqualTo(4);
    }

    @Test
    void theETagIsTheVersionAndIfMatchMakesAnUpdateOrADeleteConditionalOnIt() {
        String id = uniqueId("etag");
        assertThat(post("/api/workflows", workflowJson(id, "active")).header("ETag")).isEqualTo("\"1\"");
        assertThat(get("/api/workflows/" + id).header("ETag")).isEqualTo("\"1\"");
        String changed = workflowJson(id, "paused");

        Response matched = putIfMatch(id, changed, "\"1\"");
        assertThat(matched.status()).as(matched.body()).isEqualTo(200);
        assertThat(matched.header("ETag")).isEqualTo("\"2\"");

        Response stale = putIfMatch(id, changed, "\"1\"");
        assertProblem(stale, 412, null);
        assertThat(stale.json().get("current_version").intValue()).isEqualTo(2);
        assertThat(stale.json().get("detail").stringValue()).contains("version 2").contains("If-Match: \"2\"");
        assertThat(stale.header("ETag")).isEqualTo("\"2\"");
        assertProblem(putIfMatch(id, changed, "W/\"2\""), 412, null); // a weak tag never matches (strong comparison)

        assertThat(putIfMatch(id, changed, "\"9\", \"2\"").status()).as("any tag of a list").isEqualTo(200);
        assertThat(putIfMatch(id, changed, "*").status()).isEqualTo(200);
        assertProblem(putIfMatch(id, changed, "4"), 400, "If-Match");
        assertProblem(putIfMatch(id, changed, "\"4\" junk"), 400, "If-Match");
        assertThat(get("/api/workflows/" + id + "/versions").json().size()).as("refused updates saved nothing").isEqualTo(4);

        Response staleDelete = send("DELETE", "/api/workflows/" + id, null, Map.of("X-API-Key", API_KEY, "If-Match", "\"3\""));
        assertProblem(staleDelete, 412, null);
        assertThat(staleDelete.json().get("current_version").intValue()).isEqualTo(4);
        assertThat(get("/api/workflows/" + id).status()).isEqualTo(200);
        assertThat(send("DELETE", "/api/workflows/" + id, null, Map.of("X-API-Key", API_KEY, "If-Match", "\"4\"")).status())
                .isEqualTo(204);
        assertProblem(putIfMatch(id, changed, "\"4\""), 404, null);
    }

    private Response putIfMatch(String id, String json, String ifMatch) {
        return send("PUT", "/api/workflows/" + id, json,
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "If-Match", ifMatch));
    }

    @Test
    void aDuplicateIdIsAConflict() {
        String id = uniqueId("dup");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        Response again = post("/api/workflows", workflowJson(id, "active"));
        assertProblem(again, 409, null);
        assertThat(again.json().get("detail").stringValue()).contains(id).contains("already exists");
    }

    @Test
    void unknownWorkflowsAreNotFound() {
        assertProblem(get("/api/workflows/nope_" + System.nanoTime()), 404, null);
        assertProblem(get("/api/workflows/nope_x/versions"), 404, null);
        assertProblem(put("/api/workflows/nope_x", workflowJson("nope_x", "active")), 404, null);
        assertProblem(delete("/api/workflows/nope_x"), 404, null);
    }

    static Stream<Arguments> invalidDefinitions() {
        String valid = workflowJson("bad_def", "active");
        return Stream.of(
                Arguments.of("missing entry_point", valid.replace("\"entry_point\": \"delay_step\",", ""), "entry_point"),
                Arguments.of("dangling next_step_id", valid.replace("\"next_step_id\": \"send_reminder\"", "\"next_step_id\": \"ghost\""),
                        "steps[0].next_step_id"),
                Arguments.of("cycle a->b->a", """
                        {"id": "cyclic", "name": "c", "entry_point": "a", "steps": [
                          {"id": "a", "type": "delay", "config": {"seconds": 1}, "next_step_id": "b"},
                          {"id": "b", "type": "delay", "config": {"seconds": 1}, "next_step_id": "a"}]}
                        """, "steps[0].next_step_id"),
                Arguments.of("unknown step type", valid.replace("\"type\": \"delay\"", "\"type\": \"teleport\""), "steps[0].type"),
                Arguments.of("delay seconds 0", valid.replace("{\"seconds\": 2}", "{\"seconds\": 0}"), "steps[0].config.seconds"),
                Arguments.of("webhook url not http", valid.replace("http://127.0.0.1:8001/notify", "ftp://127.0.0.1/notify"),
                        "steps[1].config.url"),
                Arguments.of("unknown status", valid.replace("\"status\": \"active\"", "\"status\": \"sleeping\""), "status"),
                Arguments.of("steps not a list", """
                        {"id": "x1", "name": "n", "entry_point": "a", "steps": "a"}
                        """, "steps"),
                Arguments.of("no steps", """
                        {"id": "x2", "name": "n", "entry_point": "a", "steps": []}
                        """, "steps"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidDefinitions")
    void invalidDefinitionsAreRefusedNamingTheField(String what, String json, String field) {
        Response response = post("/api/workflows", json);
        assertProblem(response, 400, field);
        assertThat(response.json().get("detail").stringValue()).startsWith(field);
        assertThat(get("/api/workflows/bad_def").status()).as("nothing stored").isEqualTo(404);
    }

    @Test
    void anIdThatIsAPathIsRefusedAndNothingIsWritten() throws IOException {
        Path testData = DATA_DIR.getParent();
        List<Path> outside = allFiles(testData, 1);
        List<Path> workflows = allFiles(DATA_DIR.resolve("workflows"), 5);
        List<Path> versions = allFiles(DATA_DIR.resolve("workflow-versions"), 5);

        Response response = post("/api/workflows", workflowJson("../../x", "active"));

        assertProblem(response, 400, "id");
        assertThat(allFiles(testData, 1)).isEqualTo(outside);
        assertThat(allFiles(DATA_DIR.resolve("workflows"), 5)).isEqualTo(workflows);
        assertThat(allFiles(DATA_DIR.resolve("workflow-versions"), 5)).isEqualTo(versions);
        for (Path dir : List.of(DATA_DIR, testData, testData.getParent(), DATA_DIR.resolve("workflows"))) {
            assertThat(dir.resolve("x")).doesNotExist();
            assertThat(dir.resolve("x.json")).doesNotExist();
        }

        assertProblem(get("/api/workflows/bad%20id"), 400, "id");
        assertProblem(get("/api/workflows/a%2e%2e"), 400, "id");
        assertProblem(post("/api/workflows/bad$id/trigger", "{}"), 400, "id");
    }

    @Test
    void anUpdateKeepsEveryFieldItWasGiven() {
        String id = uniqueId("keeps");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        String withRetry = workflowJson(id, "active").replaceFirst("\\{", "{\"retry\": {\"max_attempts\": 4, \"initial_interval\": 2}, ");
        Response updated = put("/api/workflows/" + id, withRetry);
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.json().get("retry").get("max_attempts").intValue()).isEqualTo(4);
        assertThat(get("/api/workflows/" + id).json().get("retry").get("initial_interval").doubleValue()).isEqualTo(2.0);
    }

    @Test
    void anUpdateCannotChangeTheId() {
        String id = uniqueId("fixed");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);
        Response response = put("/api/workflows/" + id, workflowJson("other_id", "active"));
        assertProblem(response, 400, "id");
        assertThat(get("/api/workflows/" + id + "/versions").json().size()).isEqualTo(1);
    }

    @Test
    void unreadableBodiesAreProblems() {
        Response broken = post("/api/workflows", "{\"id\": \"x\", \"steps\": [");
        assertProblem(broken, 400, null);
        assertThat(broken.json().get("detail").stringValue()).contains("line");

        Response wrongType = post("/api/workflows", "{\"id\": \"x\", \"name\": \"n\", \"steps\": [{\"id\": \"a\", \"config\": 5}]}");
        assertProblem(wrongType, 400, "steps[0].config");

        assertProblem(post("/api/workflows", ""), 400, null);
        assertProblem(send("POST", "/api/workflows", "<xml/>", Map.of("X-API-Key", API_KEY, "Content-Type", "text/xml")), 415, null);
    }

    @Test
    void aBodyAbove1MiBIsRefusedWith413() {
        String big = "{\"id\": \"big\", \"name\": \"" + "x".repeat(1024 * 1024 + 10) + "\"}";
        Response response = post("/api/workflows", big);
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.contentType()).startsWith("application/problem+json");
    }

    @Test
    void aCorruptFileIsReportedNotSkipped() throws IOException {
        String id = uniqueId("corrupt");
        Path file = DATA_DIR.resolve("workflows").resolve(id + ".json");
        Files.writeString(file, "{\"id\": \"" + id + "\", \"steps\": [");
        try {
            for (Response response : List.of(get("/api/workflows/" + id), get("/api/workflows"), post("/api/workflows/" + id + "/trigger", "{}"))) {
                assertProblem(response, 500, null);
                assertThat(response.json().get("detail").stringValue()).contains("workflows/" + id + ".json").contains("corrupt");
                assertThat(response.json().get("file").stringValue()).isEqualTo("workflows/" + id + ".json");
            }
        } finally {
            Files.delete(file);
        }
        String runId = java.util.UUID.randomUUID().toString();
        Path run = DATA_DIR.resolve("runs").resolve(runId + ".json");
        Files.writeString(run, "not json");
        try {
            assertThat(get("/api/runs/" + runId).json().get("file").stringValue()).isEqualTo("runs/" + runId + ".json");
        } finally {
            Files.delete(run);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static List<Path> allFiles(Path root, int depth) throws IOException {
        try (Stream<Path> files = Files.walk(root, depth)) {
            return files.filter(p -> !p.getFileName().toString().startsWith(".tmp-")).sorted().toList();
        }
    }
}
