//! Drivers and their shifts. A vehicle moves only with a driver on shift; a driver whose shift
//! ends during a trip finishes it (overtime) and goes off duty on return.

use bevy_ecs::prelude::*;
use policies::{DriverId, MS_PER_DAY, TimeMs};

use super::disruptions::Attendance;
use crate::engine::{Engine, Event};
use crate::log::Record;

#[derive(Component, Clone, Debug)]
pub struct Driver {
    pub id: DriverId,
    pub site: u32,
    pub shift_len: TimeMs,
    pub overtime_max: TimeMs,
    pub max_duty: TimeMs,
    pub standby: bool,
}

#[derive(Component, Clone, Debug, Default)]
pub struct DriverState {
    pub on_shift: bool,
    pub busy: bool,
    /// End of the current (or last) shift; `TimeMs::MAX` for drivers always on shift.
    pub shift_end: TimeMs,
    /// Time spent on trips in the current shift.
    pub duty_used: TimeMs,
}

impl DriverState {
    pub fn latest_return(&self, d: &Driver) -> TimeMs {
        self.shift_end + d.overtime_max
    }
}

pub(crate) fn spawn(e: &mut Engine) {
    for (i, spec) in e.scenario.drivers.iter().enumerate() {
        let driver = Driver {
            id: DriverId(i as u32),
            site: spec.site,
            shift_len: spec.shift_len,
            overtime_max: spec.overtime_max,
            max_duty: spec.max_duty,
            standby: spec.standby,
        };
        let entity = e.world.spawn((driver, DriverState::default())).id();
        e.drivers.push(entity);
        if spec.always_on() {
            begin_shift(e, entity, TimeMs::MAX);
            continue;
        }
        let start = spec.shift_start_ms;
        let end = start + spec.shift_len.0;
        if end > MS_PER_DAY {
            // A shift that crosses midnight is under way at time zero (yesterday's).
            begin_shift(e, entity, TimeMs(end - MS_PER_DAY));
            e.cal.schedule(TimeMs(end - MS_PER_DAY), Event::ShiftEnd { driver: entity });
        } else {
            e.cal.schedule(TimeMs(start), Event::ShiftStart { driver: entity });
        }
    }
}

fn begin_shift(e: &mut Engine, driver: Entity, shift_end: TimeMs) {
    let mut state = e.world.get_mut::<DriverState>(driver).expect("driver");
    state.on_shift = true;
    state.shift_end = shift_end;
    state.duty_used = TimeMs::ZERO;
    let id = e.world.get::<Driver>(driver).expect("driver").id;
    e.log.push(e.cal.now(), Record::ShiftStarted { driver: id });
}

pub(crate) fn on_shift_start(e: &mut Engine, driver: Entity) {
    let (len, site, id) = {
        let d = e.world.get::<Driver>(driver).expect("driver");
        (d.shift_len, d.site, d.id)
    };
    let end = e.now() + len;
    match super::disruptions::attendance(e, site) {
        Attendance::OnTime => on_arrival(e, driver, end),
        Attendance::Late(late) if late < len => {
            e.log.push(e.now(), Record::DriverLate { driver: id, late });
            e.cal.schedule_in(late, Event::DriverArrives { driver, shift_end: end });
        }
        // Missed (or so late the shift is over): off until the next shift, a day after this one's start.
        Attendance::Late(_) | Attendance::Absent => {
            e.log.push(e.now(), Record::DriverNoShow { driver: id });
            e.cal.schedule_in(TimeMs(MS_PER_DAY), Event::ShiftStart { driver });
        }
    }
}

/// The driver turns up (on time, or late) for a shift that ends at `shift_end`.
pub(crate) fn on_arrival(e: &mut Engine, driver: Entity, shift_end: TimeMs) {
    begin_shift(e, driver, shift_end);
    e.cal.schedule(shift_end, Event::ShiftEnd { driver });
    if e.epochs.on_resource_free {
        e.request_decision();
    }
}

pub(crate) fn on_shift_end(e: &mut Engine, driver: Entity) {
    let now = e.now();
    let len = e.world.get::<Driver>(driver).expect("driver").shift_len;
    // The next shift starts a day after this one started (add before subtracting: time is unsigned).
    e.cal.schedule(now + TimeMs(MS_PER_DAY) - len, Event::ShiftStart { driver });
    if !e.world.get::<DriverState>(driver).expect("driver").busy {
        go_off(e, driver);
    }
}

fn go_off(e: &mut Engine, driver: Entity) {
    let mut state = e.world.get_mut::<DriverState>(driver).expect("driver");
    state.on_shift = false;
    let scheduled_end = state.shift_end;
    let id = e.world.get::<Driver>(driver).expect("driver").id;
    e.log.push(e.cal.now(), Record::ShiftEnded { driver: id, scheduled_end });
}

/// Whether the driver, on a trip since `trip_start`, may still be working at `until`: within shift
/// end plus overtime, and within the maximum duty time.
pub(crate) fn can_work_until(e: &Engine, driver: Entity, trip_start: TimeMs, until: TimeMs) -> bool {
    let d = e.world.get::<Driver>(driver).expect("driver");
    let s = e.world.get::<DriverState>(driver).expect("driver");
    until <= s.latest_return(d) && s.duty_used + (until - trip_start) <= d.max_duty
}

/// Latest time the driver, on a trip since `trip_start`, may begin `work` and still finish it
/// within shift end plus overtime and within duty time.
pub(crate) fn latest_start(e: &Engine, driver: Entity, trip_start: TimeMs, work: TimeMs) -> TimeMs {
    let d = e.world.get::<Driver>(driver).expect("driver");
    let s = e.world.get::<DriverState>(driver).expect("driver");
    let by_shift = s.latest_return(d) - work;
    // Duty: duty_used + (start + work - trip_start) <= max_duty.
    let by_duty = (trip_start + d.max_duty) - s.duty_used - work;
    by_shift.min(by_duty)
}

/// The driver is back from a trip that started at `started`.
pub(crate) fn trip_done(e: &mut Engine, driver: Entity, started: TimeMs) {
    let now = e.now();
    let mut state = e.world.get_mut::<DriverState>(driver).expect("driver");
    state.busy = false;
    state.duty_used = state.duty_used + (now - started);
    if now >= state.shift_end {
        go_off(e, driver);
    }
}
