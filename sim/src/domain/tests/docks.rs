//! Unit tests of the docks domain: the doors of tiny.toml's depot (2 doors, open 05:00-22:00).

use policies::{TimeMs, VehicleId};

use super::{Dock, Queued, Sites, arrive};
use crate::engine::{run_until, with_sim};
use crate::scenario::Scenario;
use crate::world::Sim;

fn tiny() -> Scenario {
    Scenario::load(std::path::Path::new("../scenarios/tiny.toml")).unwrap()
}

fn dock(sim: &Sim) -> (u32, Vec<u32>) {
    let entity = sim.world.resource::<Sites>().entities[0];
    let d = sim.world.get::<Dock>(entity).unwrap();
    (d.busy, d.queue.iter().map(|q| q.id.0).collect())
}

#[test]
fn vehicles_take_free_doors_first_come_first_served() {
    with_sim(&tiny(), 1, |sim| {
        // 06:00: the doors are open.
        run_until(sim, TimeMs::from_hours(6.0));
        // The domains above (fleet: the give-up) are not under test.
        sim.router = |_, _| {};
        let now = sim.now();
        for i in 0..3 {
            let vehicle = sim.world.resource::<crate::domain::fleet::Fleet>().vehicles[i];
            arrive(sim, 0, Queued { vehicle, id: VehicleId(i as u32), since: now, load: 1 });
        }
        assert_eq!(dock(sim), (2, vec![2]), "two doors load, the third vehicle waits");
        // A load is done: its door takes the third vehicle.
        super::on_loading_done(sim, VehicleId(0), 0);
        assert_eq!(dock(sim), (2, vec![]));
    });
}
