package io.zaps.trigger.source.schedule;

import io.zaps.trigger.TriggerProperties;
import io.zaps.trigger.source.cursor.CursorTopic;
import io.zaps.trigger.source.ownership.PartitionOwnership;
import io.zaps.trigger.source.ownership.TriggeredWorkflows;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;

import java.time.Clock;

/** Schedule triggers: the workflows with a {@code schedule} trigger that this instance owns fire on their ticks. */
@Configuration(proxyBeanMethods = false)
class ScheduleConfiguration {
    @Bean
    ScheduleRunner scheduleRunner(TriggeredWorkflows triggeredWorkflows, PartitionOwnership ownership, CursorTopic triggerCursors,
                                  KafkaTemplate<String, byte[]> template, Clock triggerClock, TriggerProperties properties) {
        return new ScheduleRunner(triggeredWorkflows, ownership, new ScheduleCursors(triggerCursors, properties.dataDir()),
                new SchedulePlanner(properties.scheduleCatchUp()), template, triggerClock,
                properties.sourceScanInterval(), properties.publishTimeout(), properties.instanceId());
    }
}
