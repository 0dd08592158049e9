package io.zaps.gateway.workflow;

import io.zaps.gateway.GatewayTestSupport;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Real concurrent HTTP requests on one workflow: one create wins, no update is lost, the current version never goes back. */
class ConcurrentWorkflowWritesTest extends GatewayTestSupport {

    @Test
    void ofTwentyParallelCreatesOfOneIdExactlyOneWinsAndTheOthersAreConflicts() throws Exception {
        for (int round = 0; round < 5; round++) {
            String id = uniqueId("race");
            List<Response> answers = atOnce(20, i -> post("/api/workflows", workflowJson(id, "active")));

            assertThat(answers).as("round %d", round).filteredOn(r -> r.status() == 201).hasSize(1);
            answers.stream().filter(r -> r.status() != 201).forEach(r -> {
                assertProblem(r, 409, null);
                assertThat(r.json().get("detail").stringValue()).contains(id).contains("already exists");
            });
            assertThat(get("/api/workflows/" + id + "/versions").json().size()).as("round %d", round).isEqualTo(1);
            assertThat(get("/api/workflows/" + id).json().get("version").intValue()).isEqualTo(1);
        }
    }

    @Test
    void fiftyParallelUpdatesAreSerializedEachGetsItsOwnVersionAndTheCurrentIsTheHighest() throws Exception {
        String id = uniqueId("updates");
        assertThat(post("/api/workflows", workflowJson(id, "active")).status()).isEqualTo(201);

        List<Response> answers = atOnce(50, i -> put("/api/workflows/" + id,
                workflowJson(id, "active").replace("Invoice Reminder Workflow", "update " + i)));

        answers.forEach(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
        List<Integer> versions = answers.stream().map(r -> r.json().get("version").intValue()).sorted().toList();
        assertThat(versions).as("every version given to exactly one PUT").isEqualTo(IntStream.rangeClosed(2, 51).boxed().toList());
        answers.forEach(r -> assertThat(r.header("ETag")).isEqualTo("\"" + r.json().get("version").intValue() + "\""));

        Response current = get("/api/workflows/" + id);
        assertThat(current.json().get("version").intValue()).isEqualTo(51);
        assertThat(current.header("ETag")).isEqualTo("\"51\"");
        Response winner = answers.stream().filter(r -> r.json().get("version").intValue() == 51).findFirst().orElseThrow();
        assertThat(current.json().get("name")).as("the definition of the last version saved").isEqualTo(winner.json().get("name"));
        assertThat(get("/api/workflows/" + id + "/versions").json().valueStream().map(v -> v.get("version").intValue()))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 51).boxed().toList());
    }

    @Test
    void ofParallelUpdatesThatAllMatchTheSameVersionExactlyOneWins() throws Exception {
        String id = uniqueId("optimistic");
        Response created = post("/api/workflows", workflowJson(id, "active"));
        assertThat(created.header("ETag")).isEqualTo("\"1\"");

        List<Response> answers = atOnce(20, i -> send("PUT", "/api/workflows/" + id,
                workflowJson(id, "active").replace("Invoice Reminder Workflow", "update " + i),
                Map.of("X-API-Key", API_KEY, "Content-Type", "application/json", "If-Match", "\"1\"")));

        assertThat(answers).filteredOn(r -> r.status() == 200).hasSize(1);
        answers.stream().filter(r -> r.status() != 200).forEach(r -> {
            assertProblem(r, 412, null);
            assertThat(r.json().get("current_version").intValue()).isEqualTo(2);
        });
        assertThat(get("/api/workflows/" + id).json().get("version").intValue()).isEqualTo(2);
    }

    interface Request {
        Response send(int index);
    }

    /** Sends {@code count} requests from as many threads, released at the same moment. */
    private static List<Response> atOnce(int count, Request request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch ready = new CountDownLatch(count);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                Callable<Response> task = () -> {
                    ready.countDown();
                    go.await();
                    return request.send(index);
                };
                futures.add(pool.submit(task));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
            List<Response> answers = new ArrayList<>();
            for (Future<Response> future : futures) {
                answers.add(future.get(60, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
