package io.zaps.local.proof;

import io.zaps.local.proof.ProofCluster.Service;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The executor, a process of its own, is killed with SIGKILL in the middle of a 20 s delay and
 * started again a few seconds later, well before the delay is due: the timer survives in its
 * changelogged store, the restarted instance takes its partitions back at once (static group
 * membership), and the delay fires within a second of when it was due; the run then completes.
 */
@ExtendWith(ProofCluster.Extension.class)
class ExecutorKilledMidDelayIT {
    static ProofCluster cluster;

    @BeforeAll
    static void start(ProofCluster shared) {
        cluster = shared;
        cluster.ensureRunning(Service.EXECUTOR, Service.TRIGGER, Service.GATEWAY);
    }

    @Test
    void aDelayOutlivesTheExecutorAndFiresOnTime() throws Exception {
        cluster.createWorkflow("""
                {"id": "executor_kill", "name": "Executor killed mid-delay", "entry_point": "wait",
                 "steps": [{"id": "wait", "type": "delay", "config": {"seconds": 20}, "next_step_id": "after"},
                           {"id": "after", "type": "delay", "config": {"seconds": 1}}]}""");
        String runId = cluster.trigger("executor_kill", "{}");
        JsonNode waiting = cluster.awaitRun(runId, Duration.ofSeconds(60), Set.of("running"));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            JsonNode run = cluster.run(runId);
            return "running".equals(run.get("steps").get("wait").get("status").stringValue());
        });
        Instant delayStarted = Instant.parse(cluster.run(runId).get("steps").get("wait").get("start_time").stringValue());
        Instant due = delayStarted.plusSeconds(20);
        cluster.log("run %s (status %s): delay started %s, due %s", runId, waiting.get("status").stringValue(), delayStarted, due);

        Thread.sleep(2_000);
        cluster.kill(Service.EXECUTOR);
        Thread.sleep(3_000);
        cluster.start(Service.EXECUTOR);
        Instant back = Instant.now();
        cluster.log("executor back %d ms before the delay is due", Duration.between(back, due).toMillis());
        assertThat(back).as("the restarted executor must be ready before the delay is due, or this proves less").isBefore(due);

        JsonNode run = cluster.awaitFinal(runId, Duration.ofSeconds(90));
        assertThat(run.get("status").stringValue()).as(run.toString()).isEqualTo("completed");
        JsonNode output = run.get("steps").get("wait").get("output");
        Instant dueAt = Instant.parse(output.get("due_at").stringValue());
        Instant firedAt = Instant.parse(output.get("fired_at").stringValue());
        cluster.log("delay due %s, fired %s (%d ms late)", dueAt, firedAt, Duration.between(dueAt, firedAt).toMillis());
        assertThat(Duration.between(delayStarted, dueAt)).isEqualTo(Duration.ofSeconds(20));
        assertThat(firedAt).isAfterOrEqualTo(dueAt);
        assertThat(Duration.between(dueAt, firedAt)).isLessThan(Duration.ofSeconds(1));
        assertThat(run.get("steps").get("after").get("status").stringValue()).isEqualTo("completed");
    }
}
