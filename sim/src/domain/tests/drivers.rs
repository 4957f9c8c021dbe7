//! Unit tests of the drivers domain: shifts, hours and duty. tiny.toml's drivers 0-4 work
//! 05:30-14:00 with 90 min of overtime (so 10 h of duty), drivers 5-9 13:00-21:30. Only the
//! drivers' events fire; the domains above do not listen.

use bevy_ecs::entity::Entity;
use policies::{DriverId, Duration, Instant};

use super::{
    Available, DriverState, can_work_until, entity, is_free, latest_start, on_arrival, on_shift_end, on_shift_start,
    take, trip_done,
};
use crate::engine::with_sim;
use crate::world::{Event, Sim};

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, hours, min, tiny, tiny_with};

/// Fires the drivers' own events (shift start and end, late arrivals) up to `t`; drops the others.
fn advance(sim: &mut Sim, t: Instant) {
    common::advance(sim, t, |sim, event| match event {
        Event::ShiftStart { driver } => on_shift_start(sim, driver),
        Event::ShiftEnd { driver } => on_shift_end(sim, driver),
        Event::DriverArrives { driver, shift_end } => on_arrival(sim, driver, shift_end),
        _ => {}
    });
}

fn driver(sim: &Sim, i: u32) -> Entity {
    entity(sim, DriverId(i)).expect("driver")
}

fn state(sim: &Sim, d: Entity) -> DriverState {
    sim.world.get::<DriverState>(d).expect("driver").clone()
}

#[test]
fn hours_end_at_shift_end_plus_overtime() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        advance(sim, at_h(6.0));
        let d = driver(sim, 0);
        assert_eq!(state(sim, d).shift_end, at_h(14.0));
        let start = at_h(6.0);
        assert!(can_work_until(sim, d, start, at_h(15.5)), "14:00 plus 90 min");
        assert!(!can_work_until(sim, d, start, at_h(15.5) + Duration(1)));
        // By shift 15:30 - 2 h; by duty 06:00 + 10 h - 2 h = 14:00: the earlier.
        assert_eq!(latest_start(sim, d, start, hours(2.0)), at_h(13.5));
    });
}

#[test]
fn duty_time_bounds_a_later_trip() {
    let scenario = tiny_with(
        r#"
[[drivers]]
site = "depot"
count = 1
shift = ["05:30", "14:00"]
overtime_max_min = 90
max_duty_h = 6
"#,
    );
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        let d = driver(sim, 0);
        advance(sim, at_h(6.0));
        take(sim, d);
        advance(sim, at_h(9.0));
        trip_done(sim, d, at_h(6.0));
        assert_eq!(state(sim, d).duty_used, hours(3.0));
        // 3 h of duty left: a trip from 09:30 must end by 12:30, long before 15:30.
        let start = at_h(9.5);
        assert!(can_work_until(sim, d, start, at_h(12.5)));
        assert!(!can_work_until(sim, d, start, at_h(12.5) + Duration(1)));
        assert_eq!(latest_start(sim, d, start, hours(2.0)), at_h(10.5), "09:30 + 6 h - 3 h - 2 h");
    });
}

#[test]
fn a_trip_past_shift_end_is_overtime_and_the_driver_goes_off_on_return() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        let (d, idle) = (driver(sim, 0), driver(sim, 1));
        advance(sim, at_h(13.0));
        assert_eq!(take(sim, d), DriverId(0));
        assert!(state(sim, d).busy && !is_free(sim, d));
        advance(sim, at_h(14.0));
        assert!(!state(sim, idle).on_shift, "an idle driver goes off at shift end");
        assert!(state(sim, d).on_shift && !is_free(sim, d), "on the road in overtime, not free for a trip");
        advance(sim, at_h(15.0));
        trip_done(sim, d, at_h(13.0));
        let s = state(sim, d);
        assert!(!s.on_shift && !s.busy, "off duty on return");
        assert_eq!(s.duty_used, hours(2.0));
        // The next shift: a day after this one started, duty afresh.
        advance(sim, at_h(29.5) - Duration(1));
        assert!(!state(sim, d).on_shift);
        advance(sim, at_h(29.5));
        let s = state(sim, d);
        assert!(s.on_shift && is_free(sim, d));
        assert_eq!((s.shift_end, s.duty_used), (at_h(38.0), Duration::ZERO));
    });
}

#[test]
fn free_means_on_shift_idle_and_not_standby() {
    let scenario = tiny_with(
        r#"
[[drivers]]
site = "depot"
count = 1
shift = ["05:30", "14:00"]

[[drivers]]
site = "depot"
count = 1
shift = ["05:30", "14:00"]
standby = true
"#,
    );
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        let (d, standby) = (driver(sim, 0), driver(sim, 1));
        advance(sim, at_h(5.0));
        assert!(!is_free(sim, d), "before the shift");
        advance(sim, at_h(5.5));
        assert!(is_free(sim, d));
        assert!(state(sim, standby).on_shift && !is_free(sim, standby), "standby drivers are for rescues");
        take(sim, d);
        assert!(!is_free(sim, d));
        advance(sim, at_h(7.0));
        trip_done(sim, d, at_h(5.5));
        assert!(is_free(sim, d), "back before shift end");
        advance(sim, at_h(14.0) - Duration(1));
        assert!(is_free(sim, d));
        advance(sim, at_h(14.0));
        assert!(!is_free(sim, d));
    });
}

#[test]
fn a_shift_across_midnight_is_under_way_at_time_zero() {
    let scenario = tiny_with(
        r#"
[[drivers]]
site = "depot"
count = 1
shift = ["22:00", "06:00"]
"#,
    );
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        let d = driver(sim, 0);
        assert!(state(sim, d).on_shift && state(sim, d).shift_end == at_h(6.0), "yesterday's shift");
        advance(sim, at_h(6.0));
        assert!(!state(sim, d).on_shift);
        advance(sim, at_h(22.0));
        assert!(state(sim, d).on_shift && state(sim, d).shift_end == at_h(30.0));
        // No overtime allowed here: hours end at shift end.
        assert!(
            can_work_until(sim, d, at_h(22.0), at_h(30.0))
                && !can_work_until(sim, d, at_h(22.0), at_h(30.0) + min(1.0))
        );
    });
}

/// The drivers the allocation policy may be offered are kept in id order as their state changes,
/// and agree with `is_free` at every step: none before the shift, all five early drivers on it,
/// one fewer while on a trip, back with less duty left, none after the shift.
#[test]
fn the_available_drivers_follow_every_change_of_state() {
    let available = |sim: &Sim| -> Vec<(u32, Duration)> {
        let rows = &sim.world.resource::<Available>().0;
        let free: Vec<u32> = (0..10).filter(|&i| is_free(sim, driver(sim, i))).collect();
        let shown: Vec<u32> = rows.iter().filter(|r| sim.now() < r.shift_end).map(|r| r.id.0).collect();
        assert_eq!(shown, free, "the rows still on shift are exactly the free drivers");
        rows.iter().map(|r| (r.id.0, r.duty_left)).collect()
    };
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        assert!(available(sim).is_empty());
        advance(sim, at_h(6.0));
        let ten_h = hours(10.0);
        assert_eq!(available(sim), (0..5).map(|i| (i, ten_h)).collect::<Vec<_>>());
        let d = driver(sim, 2);
        take(sim, d);
        assert_eq!(available(sim).iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1, 3, 4]);
        advance(sim, at_h(8.0));
        trip_done(sim, d, at_h(6.0));
        assert_eq!(available(sim)[2], (2, hours(8.0)), "back, with two hours of duty used");
        advance(sim, at_h(13.5));
        assert_eq!(available(sim).len(), 10, "the late shift has started");
        advance(sim, at_h(14.0) + Duration(1));
        assert_eq!(available(sim).iter().map(|r| r.0).collect::<Vec<_>>(), [5, 6, 7, 8, 9]);
    });
}
