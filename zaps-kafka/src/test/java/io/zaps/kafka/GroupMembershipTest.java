package io.zaps.kafka;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupMembershipTest {

    @Test
    void anInstanceIdMakesTheServiceAStaticMemberWithAShortSession() {
        assertThat(GroupMembership.consumerDefaults("trigger-service", "host-1", Map.of())).containsOnly(
                Map.entry("group.instance.id", "trigger-service-host-1"),
                Map.entry("session.timeout.ms", 10_000),
                Map.entry("heartbeat.interval.ms", 1_000));
    }

    @Test
    void withoutAnInstanceIdMembershipStaysDynamic() {
        assertThat(GroupMembership.consumerDefaults("trigger-service", " ", Map.of())).doesNotContainKey("group.instance.id")
                .containsEntry("session.timeout.ms", 10_000);
        assertThat(GroupMembership.consumerDefaults("trigger-service", null, Map.of())).doesNotContainKey("group.instance.id");
    }

    @Test
    void whatTheServiceConfiguredItselfWins() {
        assertThat(GroupMembership.consumerDefaults("executor", "a", Map.of("session.timeout.ms", "45000", "group.instance.id", "mine")))
                .containsOnly(Map.entry("heartbeat.interval.ms", 1_000));
    }

    @Test
    void anIdKafkaWouldRefuseFailsAtOnce() {
        assertThatThrownBy(() -> GroupMembership.memberId("executor", "host name/1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ZAPS_INSTANCE_ID");
    }
}
