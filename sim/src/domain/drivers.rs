//! Drivers and their shifts. A vehicle moves only with a driver on shift; a driver whose shift
//! ends during a trip finishes it (overtime) and goes off duty on return.

use bevy_ecs::prelude::*;
use policies::{DriverId, DriverView, Duration, Instant, MS_PER_DAY, SiteId};

use super::disruptions::{self, Attendance};
use crate::kernel::log::Record;
use crate::world::{Event, Signal, Sim, ViewClock};

#[derive(Component, Clone, Debug)]
pub struct Driver {
    pub id: DriverId,
    pub site: u32,
    pub shift_len: Duration,
    pub overtime_max: Duration,
    pub max_duty: Duration,
    pub standby: bool,
}

#[derive(Component, Clone, Debug, Default)]
pub struct DriverState {
    pub on_shift: bool,
    pub busy: bool,
    /// End of the current (or last) shift; `Instant::MAX` for drivers always on shift.
    pub shift_end: Instant,
    /// Time spent on trips in the current shift.
    pub duty_used: Duration,
}

impl DriverState {
    pub fn latest_return(&self, d: &Driver) -> Instant {
        self.shift_end + d.overtime_max
    }

    /// Whether the driver is on shift and free at `now` for a trip of the allocation policy's.
    pub fn free_at(&self, d: &Driver, now: Instant) -> bool {
        self.offered(d) && now < self.shift_end
    }

    /// Whether the allocation policy may be offered the driver while their shift lasts: on shift,
    /// not on a trip, not on standby (standby drivers are for rescues only).
    fn offered(&self, d: &Driver) -> bool {
        !d.standby && self.on_shift && !self.busy
    }
}

/// The drivers by index (the ids policies see).
#[derive(Resource)]
pub(crate) struct Drivers(pub Vec<Entity>);

/// Driver `id`'s entity, if there is one.
pub(crate) fn entity(sim: &Sim, id: DriverId) -> Option<Entity> {
    sim.world.resource::<Drivers>().0.get(id.0 as usize).copied()
}

pub(crate) fn spawn(sim: &mut Sim) {
    sim.world.init_resource::<DriverViews>();
    sim.world.init_resource::<Available>();
    sim.world.insert_resource(Drivers(Vec::with_capacity(sim.scenario.drivers.len())));
    for (i, spec) in sim.scenario.drivers.iter().enumerate() {
        let driver = Driver {
            id: DriverId(i as u32),
            site: spec.site,
            shift_len: spec.shift_len,
            overtime_max: spec.overtime_max,
            max_duty: spec.max_duty,
            standby: spec.standby,
        };
        let entity = sim.world.spawn((driver, DriverState::default())).id();
        sim.world.resource_mut::<Drivers>().0.push(entity);
        if spec.always_on() {
            begin_shift(sim, entity, Instant::MAX);
            continue;
        }
        let start = spec.shift_start_ms;
        let end = start + spec.shift_len.0;
        if end > MS_PER_DAY {
            // A shift that crosses midnight is under way at time zero (yesterday's).
            begin_shift(sim, entity, Instant(end - MS_PER_DAY));
            sim.cal.schedule(Instant(end - MS_PER_DAY), Event::ShiftEnd { driver: entity });
        } else {
            sim.cal.schedule(Instant(start), Event::ShiftStart { driver: entity });
        }
    }
}

fn begin_shift(sim: &mut Sim, driver: Entity, shift_end: Instant) {
    let mut state = sim.world.get_mut::<DriverState>(driver).expect("driver");
    state.on_shift = true;
    state.shift_end = shift_end;
    state.duty_used = Duration::ZERO;
    let id = sim.world.get::<Driver>(driver).expect("driver").id;
    sim.log.push(sim.cal.now(), Record::ShiftStarted { driver: id });
    sync(sim, driver);
}

pub(crate) fn on_shift_start(sim: &mut Sim, driver: Entity) {
    let (len, site, id) = {
        let d = sim.world.get::<Driver>(driver).expect("driver");
        (d.shift_len, d.site, d.id)
    };
    let end = sim.now() + len;
    match disruptions::attendance(sim, site) {
        Attendance::OnTime => on_arrival(sim, driver, end),
        Attendance::Late(late) if late < len => {
            sim.log.push(sim.now(), Record::DriverLate { driver: id, late });
            sim.cal.schedule_in(late, Event::DriverArrives { driver, shift_end: end });
        }
        // Missed (or so late the shift is over): off until the next shift, a day after this one's start.
        Attendance::Late(_) | Attendance::Absent => {
            sim.log.push(sim.now(), Record::DriverNoShow { driver: id });
            sim.cal.schedule_in(Duration::DAY, Event::ShiftStart { driver });
        }
    }
}

/// The driver turns up (on time, or late) for a shift that ends at `shift_end`.
pub(crate) fn on_arrival(sim: &mut Sim, driver: Entity, shift_end: Instant) {
    begin_shift(sim, driver, shift_end);
    sim.cal.schedule(shift_end, Event::ShiftEnd { driver });
    sim.signal(Signal::ResourceFree);
}

pub(crate) fn on_shift_end(sim: &mut Sim, driver: Entity) {
    let now = sim.now();
    let len = sim.world.get::<Driver>(driver).expect("driver").shift_len;
    // The next shift starts a day after this one started (add before subtracting: time is unsigned).
    sim.cal.schedule(now + Duration::DAY - len, Event::ShiftStart { driver });
    if !sim.world.get::<DriverState>(driver).expect("driver").busy {
        go_off(sim, driver);
    }
}

fn go_off(sim: &mut Sim, driver: Entity) {
    let mut state = sim.world.get_mut::<DriverState>(driver).expect("driver");
    state.on_shift = false;
    let scheduled_end = state.shift_end;
    let id = sim.world.get::<Driver>(driver).expect("driver").id;
    sim.log.push(sim.cal.now(), Record::ShiftEnded { driver: id, scheduled_end });
    sync(sim, driver);
}

/// Whether the driver is on shift and free for a trip of the allocation policy's (standby drivers
/// are for rescues only).
pub(crate) fn is_free(sim: &Sim, driver: Entity) -> bool {
    let (d, s) =
        (sim.world.get::<Driver>(driver).expect("driver"), sim.world.get::<DriverState>(driver).expect("driver"));
    s.free_at(d, sim.now())
}

/// Whether the driver, on a trip since `trip_start`, may still be working at `until`: within shift
/// end plus overtime, and within the maximum duty time.
pub(crate) fn can_work_until(sim: &Sim, driver: Entity, trip_start: Instant, until: Instant) -> bool {
    let d = sim.world.get::<Driver>(driver).expect("driver");
    let s = sim.world.get::<DriverState>(driver).expect("driver");
    until <= s.latest_return(d) && s.duty_used + until.since(trip_start) <= d.max_duty
}

/// Latest time the driver, on a trip since `trip_start`, may begin `work` and still finish it
/// within shift end plus overtime and within duty time.
pub(crate) fn latest_start(sim: &Sim, driver: Entity, trip_start: Instant, work: Duration) -> Instant {
    let d = sim.world.get::<Driver>(driver).expect("driver");
    let s = sim.world.get::<DriverState>(driver).expect("driver");
    let by_shift = s.latest_return(d) - work;
    // Duty: duty_used + (start + work - trip_start) <= max_duty.
    let by_duty = (trip_start + d.max_duty) - s.duty_used - work;
    by_shift.min(by_duty)
}

/// The driver sets off on a trip; their id.
pub(crate) fn take(sim: &mut Sim, driver: Entity) -> DriverId {
    sim.world.get_mut::<DriverState>(driver).expect("driver").busy = true;
    sync(sim, driver);
    sim.world.get::<Driver>(driver).expect("driver").id
}

/// The driver is back from a trip that started at `started`.
pub(crate) fn trip_done(sim: &mut Sim, driver: Entity, started: Instant) {
    let now = sim.now();
    let mut state = sim.world.get_mut::<DriverState>(driver).expect("driver");
    state.busy = false;
    state.duty_used += now.since(started);
    if now >= state.shift_end {
        go_off(sim, driver);
    }
    sync(sim, driver);
}

/// The drivers on shift, not busy and not on standby, in id order, as the allocation policy
/// sees them: kept by [`sync`] at every change of a driver's state, so an epoch only drops those
/// whose shift is over ([`driver_views`]) instead of querying and sorting every driver.
#[derive(Resource, Default)]
pub(crate) struct Available(Vec<DriverView>);

/// Brings the driver's row in [`Available`] up to date with their state.
fn sync(sim: &mut Sim, driver: Entity) {
    let (d, s) =
        (sim.world.get::<Driver>(driver).expect("driver"), sim.world.get::<DriverState>(driver).expect("driver"));
    let row = s.offered(d).then(|| DriverView {
        id: d.id,
        site: SiteId(d.site),
        shift_end: s.shift_end,
        latest_return: s.latest_return(d),
        duty_left: d.max_duty - s.duty_used,
    });
    let id = d.id;
    let rows = &mut sim.world.resource_mut::<Available>().into_inner().0;
    match (rows.binary_search_by_key(&id, |r| r.id), row) {
        (Ok(i), Some(row)) => rows[i] = row,
        (Ok(i), None) => {
            rows.remove(i);
        }
        (Err(i), Some(row)) => rows.insert(i, row),
        (Err(_), None) => {}
    }
}

/// The drivers free for the allocation policy now, by id (written by [`driver_views`]).
#[derive(Resource, Default)]
pub struct DriverViews(pub Vec<DriverView>);

/// View system: the drivers free now (available, and their shift not over), with their shift end,
/// latest return and duty left.
pub(crate) fn driver_views(mut out: ResMut<DriverViews>, clock: Res<ViewClock>, available: Res<Available>) {
    let views = &mut out.0;
    views.clear();
    views.extend(available.0.iter().filter(|row| clock.0 < row.shift_end).cloned());
}

#[cfg(test)]
#[path = "tests/drivers.rs"]
mod tests;
