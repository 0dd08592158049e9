package io.zaps.gateway.catalog;

import io.zaps.contract.run.RunStatus;
import io.zaps.gateway.GatewayProperties;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stream's bounds, without a server: senders are not started, so events only queue up, as for a client that stopped reading. */
class RunStreamLimitsTest {

    private static RunStream stream(int maxClients, int queueSize) {
        return new RunStream(JsonMapper.builder().build(),
                new GatewayProperties.StreamSettings(maxClients, Duration.ofSeconds(15), Duration.ofMinutes(1), queueSize));
    }

    @Test
    void atMostMaxClientsStreamsAreOpen() throws Exception {
        RunStream stream = stream(2, 10);
        stream.open(null, null);
        stream.open("w", null);
        assertThatThrownBy(() -> stream.open(null, null)).isInstanceOf(RunStream.FullException.class);
        assertThat(stream.openStreams()).isEqualTo(2);
    }

    @Test
    void aClientThatFallsBehindIsDroppedAndOthersKeepTheirStream() throws Exception {
        RunStream stream = stream(10, 3);
        stream.open(null, null); // its queue: the "connected" comment, then runs
        stream.open("quiet", null); // only runs of a workflow that never changes
        for (int i = 0; i < 3; i++) {
            stream.publish(RunCatalogTest.run(i, "busy", RunStatus.RUNNING, 1));
        }
        assertThat(stream.openStreams()).as("the first fell 3 events behind").isEqualTo(1);
        stream.publish(RunCatalogTest.run(9, "busy", RunStatus.RUNNING, 1));
        assertThat(stream.openStreams()).isEqualTo(1);
    }
}
