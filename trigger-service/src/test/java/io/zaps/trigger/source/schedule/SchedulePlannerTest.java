package io.zaps.trigger.source.schedule;

import io.zaps.contract.trigger.ScheduleTrigger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchedulePlannerTest {
    private static final String WF = "nightly";
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final ScheduleTrigger EVERY_MINUTE = new ScheduleTrigger("* * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_FIRE_ONCE);
    private static final ScheduleTrigger EVERY_MINUTE_SKIP = new ScheduleTrigger("* * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_SKIP);
    private static final ScheduleTrigger EVERY_SECOND = new ScheduleTrigger("* * * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_FIRE_ONCE);

    private final SchedulePlanner planner = new SchedulePlanner(Duration.ofSeconds(60));

    @Nested
    class Start {
        @Test
        void new_schedule_starts_now_and_fires_nothing_yet() {
            Instant now = t("10:00:30.250");

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, null, now);

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.store()).hasValueSatisfying(c -> {
                assertThat(c.lastTick()).isEqualTo(now);
                assertThat(c.active()).isTrue();
                assertThat(c.cron()).isEqualTo("* * * * *");
                assertThat(c.timezone()).isEqualTo("Z");
                assertThat(c.workflowCreatedAt()).isEqualTo(CREATED);
                assertThat(c.workflowId()).isEqualTo(WF);
            });
            assertThat(plan.nextDue()).contains(t("10:01:00"));
            assertThat(plan.note()).contains("new schedule");
        }

        @Test
        void a_tick_exactly_at_the_start_does_not_fire() {
            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, null, t("10:01:00"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.nextDue()).contains(t("10:02:00"));
        }

        @Test
        void changed_cron_or_time_zone_starts_afresh_instead_of_catching_up() {
            ScheduleCursor old = cursor(EVERY_MINUTE, t("09:00:00"));
            ScheduleTrigger hourly = new ScheduleTrigger("0 * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_FIRE_ONCE);
            ScheduleTrigger berlin = new ScheduleTrigger("* * * * *", ZoneId.of("Europe/Berlin"), ScheduleTrigger.MISSED_FIRE_ONCE);

            for (ScheduleTrigger changed : List.of(hourly, berlin)) {
                SchedulePlan plan = planner.plan(WF, CREATED, true, changed, old, t("10:00:30"));

                assertThat(plan.fire()).isEmpty();
                assertThat(plan.store()).hasValueSatisfying(c -> assertThat(c.lastTick()).isEqualTo(t("10:00:30")));
                assertThat(plan.note()).contains("schedule changed");
            }
        }

        @Test
        void workflow_created_again_under_the_same_id_does_not_inherit_the_old_cursor() {
            ScheduleCursor old = cursor(EVERY_MINUTE, t("09:00:00"));

            SchedulePlan plan = planner.plan(WF, t("10:00:00"), true, EVERY_MINUTE, old, t("10:00:30"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.store()).hasValueSatisfying(c -> assertThat(c.workflowCreatedAt()).isEqualTo(t("10:00:00")));
        }
    }

    @Nested
    class OnTime {
        @Test
        void nothing_is_due_before_the_next_tick() {
            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, cursor(EVERY_MINUTE, t("10:00:00")), t("10:00:59.999"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.store()).isEmpty();
            assertThat(plan.nextDue()).contains(t("10:01:00"));
        }

        @Test
        void due_tick_fires_once_and_the_next_one_is_when_to_look_again() {
            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, cursor(EVERY_MINUTE, t("10:00:00")), t("10:01:00.004"));

            assertThat(plan.fire()).containsExactly(t("10:01:00"));
            assertThat(plan.store()).isEmpty();
            assertThat(plan.nextDue()).contains(t("10:02:00"));
            assertThat(plan.note()).isEmpty();
        }

        @Test
        void after_the_tick_is_recorded_it_does_not_fire_again() {
            ScheduleCursor fired = cursor(EVERY_MINUTE, t("10:00:00")).advancedTo(t("10:01:00"), t("10:01:00.010"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, fired, t("10:01:00.020"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.nextDue()).contains(t("10:02:00"));
        }

        @Test
        void every_second_fires_each_second() {
            ScheduleCursor cursor = ScheduleCursor.startingAt(WF, EVERY_SECOND, CREATED, t("10:00:00.300"));
            Instant now = t("10:00:00.300");
            for (int i = 1; i <= 5; i++) {
                Instant tick = t("10:00:00").plusSeconds(i);
                assertThat(planner.plan(WF, CREATED, true, EVERY_SECOND, cursor, tick.minusMillis(1)).fire()).isEmpty();
                now = tick.plusMillis(2);
                SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_SECOND, cursor, now);
                assertThat(plan.fire()).containsExactly(tick);
                assertThat(plan.nextDue()).contains(tick.plusSeconds(1));
                cursor = cursor.advancedTo(tick, now);
            }
        }

        @Test
        void ticks_follow_the_time_zone_across_a_daylight_saving_change() {
            ScheduleTrigger nineInBerlin = new ScheduleTrigger("0 9 * * *", ZoneId.of("Europe/Berlin"), ScheduleTrigger.MISSED_SKIP);
            ScheduleCursor cursor = ScheduleCursor.startingAt(WF, nineInBerlin, CREATED, Instant.parse("2026-03-28T12:00:00Z"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, nineInBerlin, cursor, Instant.parse("2026-03-28T12:00:00Z"));

            // 29 March 2026: Berlin switches to summer time, so 09:00 local is 07:00 UTC (it was 08:00 UTC the day before).
            assertThat(plan.nextDue()).contains(Instant.parse("2026-03-29T07:00:00Z"));
        }
    }

    @Nested
    class CatchUp {
        @Test
        void ticks_missed_within_the_window_each_fire_in_order() {
            // The previous owner fired 10:00:05 and stopped; this instance took over at 10:00:09.5.
            ScheduleCursor cursor = cursor(EVERY_SECOND, t("10:00:05"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_SECOND, cursor, t("10:00:09.500"));

            assertThat(plan.fire()).containsExactly(t("10:00:06"), t("10:00:07"), t("10:00:08"), t("10:00:09"));
            assertThat(plan.nextDue()).contains(t("10:00:10"));
            assertThat(plan.note()).contains("catching up");
        }

        @Test
        void a_tick_exactly_at_the_window_start_still_fires() {
            ScheduleCursor cursor = cursor(EVERY_MINUTE, t("09:59:00"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, cursor, t("10:01:00"));

            assertThat(plan.fire()).containsExactly(t("10:00:00"), t("10:01:00"));
        }

        @Test
        void a_zero_window_fires_only_what_is_due_now_and_treats_the_rest_as_missed() {
            SchedulePlanner noCatchUp = new SchedulePlanner(Duration.ZERO);

            SchedulePlan plan = noCatchUp.plan(WF, CREATED, true, EVERY_MINUTE_SKIP, cursor(EVERY_MINUTE_SKIP, t("09:58:00")), t("10:01:00"));

            assertThat(plan.fire()).containsExactly(t("10:01:00"));
        }
    }

    @Nested
    class Missed {
        @Test
        void fire_once_fires_the_latest_tick_missed_before_the_window() {
            // Down from 07:00 to 10:30:30: the hourly ticks 08:00, 09:00 and 10:00 lie before the 60 s window.
            ScheduleTrigger hourly = new ScheduleTrigger("0 * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_FIRE_ONCE);

            SchedulePlan plan = planner.plan(WF, CREATED, true, hourly, cursor(hourly, t("07:00:00")), t("10:30:30"));

            assertThat(plan.fire()).containsExactly(t("10:00:00"));
            assertThat(plan.store()).isEmpty();
            assertThat(plan.nextDue()).contains(t("11:00:00"));
            assertThat(plan.note()).contains("fire_once");
        }

        @Test
        void skip_fires_none_and_moves_the_cursor_past_them() {
            ScheduleTrigger hourly = new ScheduleTrigger("0 * * * *", ZoneOffset.UTC, ScheduleTrigger.MISSED_SKIP);

            SchedulePlan plan = planner.plan(WF, CREATED, true, hourly, cursor(hourly, t("07:00:00")), t("10:30:30"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.store()).hasValueSatisfying(c -> assertThat(c.lastTick()).isEqualTo(t("10:00:00")));
            assertThat(plan.nextDue()).contains(t("11:00:00"));
            assertThat(plan.note()).contains("skip");
            // and the next look fires nothing more
            assertThat(planner.plan(WF, CREATED, true, hourly, plan.store().get(), t("10:30:31")).fire()).isEmpty();
        }

        @Test
        void older_missed_ticks_are_passed_over_when_ticks_within_the_window_fire() {
            // Down for ten minutes with a per-minute schedule: the ticks of the last 60 s fire, older ones are not
            // fired on top of them, whatever the policy.
            for (ScheduleTrigger trigger : List.of(EVERY_MINUTE, EVERY_MINUTE_SKIP)) {
                SchedulePlan plan = planner.plan(WF, CREATED, true, trigger, cursor(trigger, t("09:50:00")), t("10:00:30"));

                assertThat(plan.fire()).containsExactly(t("10:00:00"));
                assertThat(plan.note()).contains("passed over");
            }
        }

        @Test
        void a_long_outage_of_an_every_second_schedule_does_not_enumerate_every_missed_tick() {
            ScheduleCursor yearOld = cursor(EVERY_SECOND, Instant.parse("2025-01-01T00:00:00Z"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_SECOND, yearOld, t("10:00:00.500"));

            assertThat(plan.fire()).hasSize(60).startsWith(t("09:59:01")).endsWith(t("10:00:00"));
        }
    }

    @Nested
    class Status {
        @Test
        void paused_workflow_fires_nothing_and_marks_its_cursor_inactive_once() {
            ScheduleCursor cursor = cursor(EVERY_MINUTE, t("10:00:00"));

            SchedulePlan plan = planner.plan(WF, CREATED, false, EVERY_MINUTE, cursor, t("10:05:00"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.nextDue()).isEmpty();
            assertThat(plan.store()).hasValueSatisfying(c -> {
                assertThat(c.active()).isFalse();
                assertThat(c.lastTick()).isEqualTo(t("10:00:00"));
            });
            SchedulePlan again = planner.plan(WF, CREATED, false, EVERY_MINUTE, plan.store().get(), t("10:06:00"));
            assertThat(again.store()).isEmpty();
            assertThat(again.fire()).isEmpty();
        }

        @Test
        void paused_workflow_without_cursor_writes_nothing() {
            SchedulePlan plan = planner.plan(WF, CREATED, false, EVERY_MINUTE, null, t("10:05:00"));

            assertThat(plan.store()).isEmpty();
            assertThat(plan.fire()).isEmpty();
        }

        @Test
        void resumed_workflow_starts_from_now_without_firing_the_ticks_of_its_pause() {
            ScheduleCursor paused = cursor(EVERY_MINUTE, t("09:00:00")).deactivated(t("09:00:10"));

            SchedulePlan plan = planner.plan(WF, CREATED, true, EVERY_MINUTE, paused, t("10:00:30"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.store()).hasValueSatisfying(c -> {
                assertThat(c.active()).isTrue();
                assertThat(c.lastTick()).isEqualTo(t("10:00:30"));
            });
            assertThat(plan.note()).contains("active again");
        }

        @Test
        void expression_that_never_fires_again_has_no_next_due() {
            ScheduleTrigger feb30 = new ScheduleTrigger("0 0 30 2 *", ZoneOffset.UTC, ScheduleTrigger.MISSED_SKIP);

            SchedulePlan plan = planner.plan(WF, CREATED, true, feb30, cursor(feb30, t("10:00:00")), t("10:00:30"));

            assertThat(plan.fire()).isEmpty();
            assertThat(plan.nextDue()).isEmpty();
        }
    }

    private static ScheduleCursor cursor(ScheduleTrigger trigger, Instant lastTick) {
        return ScheduleCursor.startingAt(WF, trigger, CREATED, lastTick);
    }

    private static Instant t(String time) {
        return Instant.parse("2026-01-05T" + time + "Z");
    }
}
