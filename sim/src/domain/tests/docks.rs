//! Unit tests of the docks domain: the doors of tiny.toml's depot (2 doors, open 05:00-22:00).
//! Loading takes 8-15 min plus 1 min a unit.

use policies::{Duration, Instant, VehicleId};

use super::{Dock, Queued, Sites, arrive};
use crate::engine::with_sim;
use crate::kernel::log::TripId;
use crate::world::{Event, Sim};

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, min, tiny, tiny_with};

fn dock(sim: &Sim) -> (u32, Vec<u32>) {
    let entity = sim.world.resource::<Sites>().entities[0];
    let d = sim.world.get::<Dock>(entity).unwrap();
    (d.busy, d.queue.iter().map(|q| q.id.0).collect())
}

#[test]
fn vehicles_take_free_doors_first_come_first_served() {
    with_sim(&tiny(), 1, |sim| {
        // 06:00: the doors are open.
        advance(sim, Instant::at(Duration::from_hours(6.0)));
        // The domains above (fleet: the give-up) are not under test.
        sim.router = |_, _| {};
        let now = sim.now();
        for i in 0..3 {
            let vehicle = sim.world.resource::<crate::domain::fleet::Fleet>().vehicles[i];
            arrive(sim, 0, Queued { vehicle, id: VehicleId(i as u32), trip: TripId(i as u32), since: now, load: 1 });
        }
        assert_eq!(dock(sim), (2, vec![2]), "two doors load, the third vehicle waits");
        // A load is done: its door takes the third vehicle.
        super::on_loading_done(sim, 0, 0);
        assert_eq!(dock(sim), (2, vec![]));
    });
}

/// Fires the docks' own events (opening, loads done, outages) up to `t`; drops the others.
fn advance(sim: &mut Sim, t: Instant) {
    common::advance(sim, t, |sim, event| match event {
        Event::DocksOpen { site } => super::on_open(sim, site),
        Event::LoadingDone { site, door, .. } => super::on_loading_done(sim, site, door),
        Event::Disruption { index, begins, .. } => super::on_disruption(sim, index, begins),
        _ => {}
    });
}

/// Vehicle `i` (any entity will do: docks only queue it) arrives now with `load` units.
fn arrive_now(sim: &mut Sim, i: u32, load: u32) -> bevy_ecs::entity::Entity {
    let vehicle = sim.world.spawn_empty().id();
    let since = sim.now();
    arrive(sim, 0, Queued { vehicle, id: VehicleId(i), trip: TripId(i), since, load });
    vehicle
}

fn down(sim: &Sim) -> u32 {
    sim.world.get::<super::Site>(sim.world.resource::<Sites>().entities[0]).unwrap().down
}

#[test]
fn a_dock_outage_takes_doors_out_of_service_while_it_lasts() {
    let scenario = tiny_with(
        r#"
[[disruption]]
kind = "dock_outage"
site = "depot"
doors_down = 1
start_h = 6
duration_h = 2
"#,
    );
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        advance(sim, at_h(5.5));
        arrive_now(sim, 0, 200);
        arrive_now(sim, 1, 30);
        advance(sim, at_h(6.0));
        assert_eq!(down(sim), 1);
        assert_eq!(dock(sim), (2, vec![]), "loads under way finish");
        arrive_now(sim, 2, 1);
        arrive_now(sim, 3, 1);
        assert_eq!(dock(sim), (2, vec![2, 3]));
        // Vehicle 1 is done by 06:15; its door is the one out of service.
        advance(sim, at_h(8.0) - Duration(1));
        assert_eq!(dock(sim), (1, vec![2, 3]), "one door left, and it is loading vehicle 0");
        advance(sim, at_h(8.0));
        assert_eq!((down(sim), dock(sim)), (0, (2, vec![3])), "the door is back at the outage's end");
    });
}

#[test]
fn loading_starts_only_in_opening_hours() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        advance(sim, at_h(4.0));
        arrive_now(sim, 0, 1);
        assert_eq!(dock(sim), (0, vec![0]), "closed until 05:00");
        advance(sim, at_h(5.0));
        assert_eq!(dock(sim), (1, vec![]));
        // Just before closing at 22:00: two start; vehicle 2 waits.
        advance(sim, at_h(22.0) - min(2.0));
        arrive_now(sim, 1, 200);
        arrive_now(sim, 2, 1);
        arrive_now(sim, 3, 1);
        assert_eq!(dock(sim), (2, vec![3]));
        // Vehicle 2 is done after 22:00: its door stays free until the doors open again.
        advance(sim, at_h(23.0));
        assert_eq!(dock(sim), (1, vec![3]), "no load starts after closing");
        advance(sim, at_h(29.0) - Duration(1));
        assert_eq!(dock(sim), (0, vec![3]), "the long load finished in the night");
        advance(sim, at_h(29.0));
        assert_eq!(dock(sim), (1, vec![]), "05:00 the next day");
    });
}

#[test]
fn a_vehicle_that_gives_up_leaves_the_queue_in_order() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        advance(sim, at_h(6.0));
        let vehicles: Vec<_> = (0..5).map(|i| arrive_now(sim, i, 200)).collect();
        assert_eq!(dock(sim), (2, vec![2, 3, 4]));
        super::leave_queue(sim, 0, vehicles[3]);
        assert_eq!(dock(sim), (2, vec![2, 4]));
        super::on_loading_done(sim, 0, 0);
        assert_eq!(dock(sim), (2, vec![4]), "the next in line takes the door");
        super::on_loading_done(sim, 0, 1);
        assert_eq!(dock(sim), (2, vec![]), "vehicle 3 is not loaded");
    });
}
