//! Unit tests of the fleet domain: what a trip answers in each phase.

use bevy_ecs::entity::Entity;
use policies::{DriverId, Duration, Instant, OrderId};

use super::{Fleet, Leg, Phase, Stranded, Trip, Vehicle, VehicleViews, assign, end_trip, loading_deadline, predict};
use crate::domain::orders::{Order, OrderState};
use crate::engine::with_sim;
use crate::kernel::log::TripId;
use crate::world::Sim;

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, hours, min, tiny, tiny_with};

fn trip(phase: Phase, next: usize) -> Trip {
    let stops = (0..3).map(|i| (Entity::from_raw_u32(i + 10).unwrap(), OrderId(i as u64))).collect();
    let mut t = Trip::new(TripId(0), (Entity::PLACEHOLDER, DriverId(0)), stops, 3, Instant::START, [0.0; 3], phase);
    t.next = next;
    t
}

fn ids(stops: &[(Entity, OrderId)]) -> Vec<u64> {
    stops.iter().map(|(_, id)| id.0).collect()
}

#[test]
fn the_stops_ahead_in_each_phase() {
    let driving = Phase::Driving { to: Leg::Stop, breaks_down_at: None };
    let serving = Phase::Serving { service: Duration(60_000), fails: false };
    let home = Phase::Driving { to: Leg::Home, breaks_down_at: None };
    assert_eq!(ids(trip(Phase::Loading, 0).ahead()), [0, 1, 2]);
    assert_eq!(ids(trip(driving, 1).ahead()), [1, 2], "the stop driven to is ahead");
    assert_eq!(ids(trip(serving, 1).ahead()), [2], "the stop being served is not");
    assert_eq!(ids(trip(serving, 1).remaining()), [1, 2], "but it remains");
    assert_eq!(ids(trip(serving, 2).ahead()), Vec::<u64>::new());
    assert!(trip(home, 1).ahead().is_empty() && trip(home, 1).remaining().is_empty(), "given up: they ride back");
}

#[test]
fn departed_rescue_and_stranded() {
    assert!(!trip(Phase::Loading, 0).departed());
    let from = Entity::from_raw_u32(99).unwrap();
    let rescue = trip(Phase::Driving { to: Leg::Rescue(from, TripId(0)), breaks_down_at: None }, 0);
    assert!(rescue.departed());
    assert_eq!(rescue.rescue_of(), Some(from));
    assert_eq!(trip(Phase::Driving { to: Leg::Stop, breaks_down_at: None }, 0).rescue_of(), None);
    let mut t = trip(Phase::Driving { to: Leg::Stop, breaks_down_at: None }, 0);
    t.stranded = Some(Stranded { until: Instant(1_000), at: [1.0, 0.0, 0.0] });
    assert!(t.stranded_at(Instant(999)).is_some());
    assert!(t.stranded_at(Instant(1_000)).is_none(), "repaired at `until`");
}

#[test]
fn a_trip_at_the_doors_has_every_stop_ahead_and_one_done_none() {
    let since = Instant::START;
    let mut cal = crate::kernel::calendar::Calendar::<()>::new();
    let queued = trip(Phase::Queued { since, give_up: cal.schedule(Instant(1), ()) }, 0);
    assert!(!queued.departed() && queued.rescue_of().is_none());
    assert_eq!(ids(queued.ahead()), [0, 1, 2]);
    let past = trip(Phase::Serving { service: Duration(1), fails: false }, 3);
    assert!(past.remaining().is_empty() && past.ahead().is_empty(), "nothing past the last stop");
    assert!(trip(Phase::Loading, 0).stranded_at(Instant::START).is_none(), "no breakdown, not stranded");
}

/// An order of tiny's depot for (x, y) km, windows opening at `earliest_h`, 6 min to unload
/// (12 at most); not in the order book (fleet only reads it).
fn order(sim: &mut Sim, id: u64, (x, y): (f64, f64), earliest_h: f64) -> Entity {
    let destination = policies::Point { x, y };
    let o = Order {
        id: OrderId(id),
        reference: None,
        site: 0,
        destination,
        point: sim.scenario.travel.prepare(destination),
        size: 5,
        created: Instant::START,
        ready: Instant::START,
        earliest: at_h(earliest_h),
        due: at_h(earliest_h + 4.0),
        priority: 0,
        value: 100.0,
        service: min(6.0),
        service_expected: min(6.0),
        service_max: min(12.0),
        rejected_tenders: 0,
    };
    sim.world.spawn((o, OrderState::OnBoard)).id()
}

fn van(sim: &Sim) -> Vehicle {
    sim.world.get::<Vehicle>(sim.world.resource::<Fleet>().vehicles[0]).unwrap().clone()
}

/// Driver 0 on shift until 14:00 (90 min overtime, 10 h duty), the first stop 5 km out (6.5 road
/// km), 5 units: the latest time loading may start, from 06:00.
fn deadline(scenario: &crate::scenario::Scenario) -> Instant {
    with_sim(scenario, 1, |sim| {
        sim.router = |_, _| {};
        let driver = crate::domain::drivers::entity(sim, DriverId(0)).unwrap();
        crate::domain::drivers::on_arrival(sim, driver, at_h(14.0));
        let first = order(sim, 0, (3.0, 4.0), 0.0);
        let first = sim.world.get::<Order>(first).unwrap().clone();
        loading_deadline(sim, &van(sim), driver, at_h(6.0), 5, &first)
    })
}

#[test]
fn the_loading_deadline_leaves_room_for_the_worst_case_out_and_back() {
    // At worst: loading 15 + 5 x 1 min; 6.5 km at 40 km/h with noise 1.6, 15.6 min each way;
    // unloading 12 min: 63.2 min, before 15:30.
    let work = min(20.0 + 15.6 + 12.0 + 15.6);
    assert!(deadline(&tiny()).0.abs_diff((hours(15.5) - work).0) <= 2, "{:?}", deadline(&tiny()));
    // The guard assumes the scenario's worst weather, under way or not: half speed, twice the unloading.
    let storm = tiny_with(
        r#"
[[disruption]]
kind = "weather"
center = [50.0, 50.0]
radius_km = 1
speed_multiplier = 0.5
service_multiplier = 2.0
start_h = 20
duration_h = 1
"#,
    );
    let work = min(20.0 + 31.2 + 24.0 + 31.2);
    assert!(deadline(&storm).0.abs_diff((hours(15.5) - work).0) <= 2, "{:?}", deadline(&storm));
}

/// A trip of stops at (10, 0), (10, 10) and (10, 20) km (13 road km apart, 19.5 min at 40 km/h;
/// 6 min to unload each), the second's window opening at 09:00, in `phase` at stop `next`, at
/// (or driving to) `at`: the predicted starts of the stops from the next one still to drive to.
fn predicted(phase: Phase, at: (f64, f64), next: usize, free_at: Instant, now: Instant) -> Vec<Instant> {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        common::advance(sim, now, |_, _| {});
        let stops: Vec<Entity> = [((10.0, 0.0), 6.0), ((10.0, 10.0), 9.0), ((10.0, 20.0), 0.0)]
            .iter()
            .enumerate()
            .map(|(i, &(at, earliest))| order(sim, i as u64, at, earliest))
            .collect();
        let at = sim.scenario.travel.prepare(policies::Point { x: at.0, y: at.1 });
        let list = stops.iter().map(|&s| (s, OrderId(0))).collect();
        let mut t = Trip::new(TripId(0), (Entity::PLACEHOLDER, DriverId(0)), list, 15, Instant::START, at, phase);
        (t.next, t.free_at) = (next, free_at);
        assert_eq!(sim.scenario.travel.noise_mean, 1.0);
        let ahead: Vec<Entity> = t.ahead().iter().map(|(s, _)| *s).collect();
        predict(sim, &van(sim), &t, &ahead)
    })
}

#[test]
fn predictions_drive_from_where_the_vehicle_will_be_free_and_wait_for_windows() {
    let leg = min(19.5);
    let driving = Phase::Driving { to: Leg::Stop, breaks_down_at: None };
    // Reaching the first stop at 07:00; the second waits for 09:00; the third a leg after.
    let want = [at_h(7.0), at_h(9.0), at_h(9.0) + min(6.0) + leg];
    assert_eq!(predicted(driving, (10.0, 0.0), 0, at_h(7.0), Instant::START), want);
    // Late already: from now, not from when it was expected.
    assert_eq!(predicted(driving, (10.0, 0.0), 0, at_h(7.0), at_h(8.0))[0], at_h(8.0));
    // Unloading at the second stop until 09:30: the third a leg after that.
    let serving = Phase::Serving { service: min(6.0), fails: false };
    assert_eq!(predicted(serving, (10.0, 10.0), 1, at_h(9.5), Instant::START), [at_h(9.5) + leg]);
    // A rescue handing over at 07:00 at (10, -10): a leg to each stop, the first too.
    let rescue = Phase::Driving { to: Leg::Rescue(Entity::PLACEHOLDER, TripId(0)), breaks_down_at: None };
    assert_eq!(predicted(rescue, (10.0, -10.0), 0, at_h(7.0), Instant::START)[..2], [at_h(7.0) + leg, at_h(9.0)]);
}

/// The idle vehicles the policy is offered are kept in id order as trips start and end.
#[test]
fn the_idle_vehicles_view_follows_trips_starting_and_ending() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        common::advance(sim, at_h(6.0), |_, _| {});
        let idle = |sim: &Sim| sim.world.resource::<VehicleViews>().0.iter().map(|v| v.id.0).collect::<Vec<_>>();
        assert_eq!(idle(sim), [0, 1, 2, 3, 4, 5]);
        let o = order(sim, 1, (5.0, 0.0), 6.0);
        let van2 = sim.world.resource::<Fleet>().vehicles[2];
        let driver = crate::domain::drivers::entity(sim, DriverId(0)).expect("driver");
        assign(sim, van2, driver, vec![(o, OrderId(1))]);
        assert_eq!(idle(sim), [0, 1, 3, 4, 5]);
        let trip = end_trip(sim, van2);
        assert_eq!(trip.stops, [(o, OrderId(1))]);
        assert_eq!(idle(sim), [0, 1, 2, 3, 4, 5]);
    });
}
