package io.zaps.gateway.run;

import io.zaps.kafka.RecordPublisher;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failed publishes leave the trigger's outcome unknown (the key then stays bound to its run id). */
class UnconfirmedTriggerTest {

    @Test
    void aWaitThatEndedBeforeKafkaAnsweredIsUnconfirmed() {
        assertThat(TriggerService.unconfirmed(new RecordPublisher.PublishException("no ack in time", new TimeoutException()))).isTrue();
        assertThat(TriggerService.unconfirmed(new RecordPublisher.PublishException("interrupted", new InterruptedException()))).isTrue();
    }

    @Test
    void aSendKafkaRefusedOrNeverTookIsNot() {
        assertThat(TriggerService.unconfirmed(new RecordPublisher.PublishException("refused",
                new org.apache.kafka.common.errors.RecordTooLargeException("too large")))).isFalse();
        assertThat(TriggerService.unconfirmed(new org.apache.kafka.common.errors.TimeoutException("no metadata within max.block.ms"))).isFalse();
    }
}
