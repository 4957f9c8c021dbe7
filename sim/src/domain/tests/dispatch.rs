//! Unit tests of the dispatch domain: what a policy's decision must satisfy to be carried out, on
//! tiny.toml's world at time zero (6 vans of 14 units, 10 drivers, all at the depot), with the
//! drivers put on shift and the orders made ready by hand, and no event fired.

use policies::{Decision, DriverId, OrderId, Route, VehicleId};

use super::{apply, validate};
use crate::domain::fleet::{self, Trip};
use crate::domain::{drivers, orders};
use crate::engine::with_sim;
use crate::kernel::log::{Record, Rejection};
use crate::world::Sim;

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, records, tiny, tiny_with};

/// Puts `on_shift` drivers on shift until 14:00 and creates `orders` open orders at the depot,
/// ids 0 on (their sizes and destinations drawn from tiny.toml's distributions).
fn world(sim: &mut Sim, on_shift: &[u32], orders: u64) {
    sim.router = |_, _| {};
    for &i in on_shift {
        let d = drivers::entity(sim, DriverId(i)).unwrap();
        drivers::on_arrival(sim, d, at_h(14.0));
    }
    for i in 0..orders {
        orders::on_arrival(sim, 0);
        let o = orders::entity(sim, OrderId(i)).unwrap();
        orders::on_ready(sim, o);
    }
}

fn route(vehicle: u32, driver: u32, stops: &[u64]) -> Route {
    Route { vehicle: VehicleId(vehicle), driver: DriverId(driver), stops: stops.iter().map(|&i| OrderId(i)).collect() }
}

fn check(sim: &Sim, vehicle: u32, driver: u32, stops: &[u64]) -> Result<(), Rejection> {
    validate(sim, &route(vehicle, driver, stops)).map(|_| ())
}

fn order<'s>(sim: &'s Sim, id: u64) -> &'s orders::Order {
    sim.world.get::<orders::Order>(orders::entity(sim, OrderId(id)).unwrap()).unwrap()
}

#[test]
fn a_route_naming_what_is_not_there_or_not_ready_is_refused() {
    with_sim(&tiny(), 1, |sim| {
        world(sim, &[0], 3);
        assert_eq!(check(sim, 0, 0, &[0, 1]), Ok(()));
        assert_eq!(check(sim, 6, 0, &[0]), Err(Rejection::UnknownVehicle));
        assert_eq!(check(sim, 0, 10, &[0]), Err(Rejection::UnknownDriver));
        assert_eq!(check(sim, 0, 1, &[0]), Err(Rejection::DriverUnavailable), "driver 1 starts at 05:30");
        assert_eq!(check(sim, 0, 0, &[]), Err(Rejection::EmptyRoute));
        assert_eq!(check(sim, 0, 0, &[0, 99]), Err(Rejection::UnknownOrder));
        assert_eq!(check(sim, 0, 0, &[0, 1, 0]), Err(Rejection::OrderTwice));
        orders::on_arrival(sim, 0);
        assert_eq!(check(sim, 0, 0, &[0, 3]), Err(Rejection::OrderNotOpen), "order 3 is not ready yet");
    });
}

#[test]
fn a_vehicle_or_a_driver_on_a_trip_is_busy() {
    with_sim(&tiny(), 1, |sim| {
        world(sim, &[0, 1], 3);
        let (vehicle, driver, stops) = validate(sim, &route(0, 0, &[0])).unwrap();
        fleet::assign(sim, vehicle, driver, stops);
        assert_eq!(check(sim, 0, 1, &[1]), Err(Rejection::VehicleBusy));
        assert_eq!(check(sim, 1, 0, &[1]), Err(Rejection::DriverUnavailable));
        assert_eq!(check(sim, 1, 1, &[0]), Err(Rejection::OrderNotOpen), "order 0 is on vehicle 0's route");
        assert_eq!(check(sim, 1, 1, &[1, 2]), Ok(()));
    });
}

#[test]
fn a_load_over_the_vehicles_capacity_is_refused() {
    with_sim(&tiny(), 1, |sim| {
        world(sim, &[0], 12);
        let sizes: Vec<u32> = (0..12).map(|i| order(sim, i).size).collect();
        // Some orders that fill the van's 14 units exactly.
        let full = (0u32..1 << 12)
            .find(|m| (0..12).filter(|i| m & 1 << i != 0).map(|i| sizes[i]).sum::<u32>() == 14)
            .expect("12 orders of 1-5 units fill 14");
        let mut stops: Vec<u64> = (0..12).filter(|i| full & 1 << i != 0).map(|i| i as u64).collect();
        assert_eq!(check(sim, 0, 0, &stops), Ok(()), "full is not over: {sizes:?}");
        stops.push((0..12).find(|i| full & 1 << i == 0).unwrap());
        assert_eq!(check(sim, 0, 0, &stops), Err(Rejection::OverCapacity));
    });
}

#[test]
fn a_driver_or_an_order_of_another_site_is_refused() {
    let scenario = tiny_with(
        r#"
[[site]]
name = "depot"
location = [0.0, 0.0]
doors = 2
hours = ["05:00", "22:00"]
load_fixed_min = { dist = "triangular", min = 8, mode = 10, max = 15 }
load_per_unit_min = { dist = "fixed", value = 1.0 }

[[site]]
name = "north"
location = [0.0, 30.0]
doors = 1
load_fixed_min = { dist = "fixed", value = 10 }

[[drivers]]
site = "depot"
count = 1
shift = ["05:30", "14:00"]

[[drivers]]
site = "north"
count = 1
shift = ["05:30", "14:00"]
"#,
    );
    with_sim(&scenario, 1, |sim| {
        world(sim, &[0, 1], 1);
        orders::on_arrival(sim, 1);
        let north = orders::entity(sim, OrderId(1)).unwrap();
        orders::on_ready(sim, north);
        assert_eq!(order(sim, 1).site, 1);
        assert_eq!(check(sim, 0, 0, &[0]), Ok(()));
        assert_eq!(check(sim, 0, 1, &[0]), Err(Rejection::WrongSite), "a depot van, a north driver");
        assert_eq!(check(sim, 0, 0, &[0, 1]), Err(Rejection::WrongSite), "an order of north");
    });
}

#[test]
fn a_driver_without_the_hours_for_the_first_stop_is_refused() {
    with_sim(&tiny(), 1, |sim| {
        world(sim, &[], 12);
        // On shift for one more millisecond, then 90 min of overtime.
        let d = drivers::entity(sim, DriverId(0)).unwrap();
        drivers::on_arrival(sim, d, policies::Instant(1));
        let km = |sim: &Sim, i: u64| order(sim, i).destination.x.hypot(order(sim, i).destination.y);
        // At worst, loading takes 15 min + 1 a unit, unloading 12, and each km 3.12 min each way:
        // an order 11 km out needs more than 90 min, one within 5 km less than 64.
        let far = (0..12).find(|&i| km(sim, i) > 11.0).expect("an order far out");
        let near = (0..12).find(|&i| km(sim, i) < 5.0).expect("an order near by");
        assert_eq!(check(sim, 0, 0, &[far]), Err(Rejection::DriverOutOfHours));
        assert_eq!(check(sim, 0, 0, &[near]), Ok(()));
    });
}

#[test]
fn a_refused_route_changes_nothing_and_only_open_orders_are_cancelled() {
    with_sim(&tiny(), 1, |sim| {
        world(sim, &[0], 3);
        let log = records(sim);
        let (vehicle, driver) = (fleet::entity(sim, VehicleId(0)).unwrap(), drivers::entity(sim, DriverId(0)).unwrap());
        let state =
            |sim: &Sim, i: u64| *sim.world.get::<orders::OrderState>(orders::entity(sim, OrderId(i)).unwrap()).unwrap();
        let busy = |sim: &Sim| (sim.world.get::<Trip>(vehicle).is_some(), !drivers::is_free(sim, driver));
        apply(sim, Decision { routes: vec![route(0, 0, &[0, 1, 0])], ..Default::default() });
        assert_eq!(
            (state(sim, 0), state(sim, 1), busy(sim)),
            (orders::OrderState::Open, orders::OrderState::Open, (false, false))
        );
        apply(sim, Decision { routes: vec![route(0, 0, &[0])], ..Default::default() });
        assert_eq!((state(sim, 0), busy(sim)), (orders::OrderState::Assigned, (true, true)));
        let cancellations = [0, 99, 1].map(OrderId).to_vec();
        apply(sim, Decision { cancellations, ..Default::default() });
        assert_eq!(state(sim, 0), orders::OrderState::Assigned);
        assert!(orders::entity(sim, OrderId(1)).is_none(), "the open one is cancelled");
        let refused: Vec<Rejection> = log
            .borrow()
            .iter()
            .filter_map(|r| match r {
                Record::DecisionRejected { reason, .. } | Record::CancellationRefused { reason, .. } => Some(*reason),
                _ => None,
            })
            .collect();
        assert_eq!(refused, [Rejection::OrderTwice, Rejection::OrderNotOpen, Rejection::UnknownOrder]);
    });
}
