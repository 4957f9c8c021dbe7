//! Decision epochs: build the policy's plain-data view of the world, ask the policy, validate its
//! routes and turn them into trips.
//!
//! The view is gathered by the domains' view systems, each writing its own domain's view resource,
//! in the order [`view_schedule`] gives them, on the single-threaded executor with ambiguity
//! detection set to error (systems left unordered share nothing they write); dispatch moves the
//! views into the request. `Entity`, `Query` and friends stop here; the policy sees ids and plain
//! structs.

use rustc_hash::{FxHashMap, FxHashSet};

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, Schedule, ScheduleBuildSettings, SingleThreadedExecutor};
use policies::{AllocationRequest, Decision, Duration, Epochs, Instant, Route};

use super::carriers::{self, CarrierViews};
use super::docks::{self, SiteViews};
use super::drivers::{self, Driver, DriverViews};
use super::fleet::{self, BusyVehicleViews, Trip, Vehicle, VehicleViews};
use super::orders::{self, Order, OrderViews};
use crate::kernel::log::{Record, Rejection};
use crate::policy::Decided;
use crate::world::{Event, Sim};

/// When the policy is asked, and decisions waiting for their latency to pass.
#[derive(Resource)]
pub(crate) struct Dispatch {
    epochs: Epochs,
    /// An event-triggered epoch is scheduled for now already.
    decide_pending: bool,
    /// Decisions waiting for their latency to pass, by id.
    pending: FxHashMap<u64, Decision>,
    next_id: u64,
}

pub(crate) fn spawn(sim: &mut Sim) {
    let epochs = sim.policies.allocation.epochs();
    sim.world.insert_resource(Dispatch { epochs, decide_pending: false, pending: FxHashMap::default(), next_id: 0 });
}

pub(crate) fn start(sim: &mut Sim) {
    if sim.world.resource::<Dispatch>().epochs.every.is_some() {
        sim.cal.schedule_last(Instant::START, Event::Decide { periodic: true });
    }
}

/// An order became ready: a decision epoch now, if the policy wants one then.
pub(crate) fn on_order_ready(sim: &mut Sim) {
    if sim.world.resource::<Dispatch>().epochs.on_order_ready {
        request_decision(sim);
    }
}

/// A vehicle or driver became free: a decision epoch now, if the policy wants one then.
pub(crate) fn on_resource_free(sim: &mut Sim) {
    if sim.world.resource::<Dispatch>().epochs.on_resource_free {
        request_decision(sim);
    }
}

/// Asks for a decision epoch now, after everything else that happens now (event-triggered epochs).
fn request_decision(sim: &mut Sim) {
    let mut dispatch = sim.world.resource_mut::<Dispatch>();
    if !dispatch.decide_pending {
        dispatch.decide_pending = true;
        sim.cal.schedule_last(sim.cal.now(), Event::Decide { periodic: false });
    }
}

/// The systems that build the allocation policy's view, each writing its own domain's view
/// resource (the idle vehicles' view is kept by fleet as trips start and end, so it has none):
/// sites, free drivers and carriers in any order (they share nothing); then the open orders
/// (gathered only if the policy may look at them); then the vehicles on trips
/// (only for a policy that reads them, when there are orders to place; their position needs the
/// sites).
pub(crate) fn view_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
    schedule.add_systems(
        (
            (docks::site_views, drivers::driver_views, carriers::carrier_views),
            (orders::order_views.run_if(policy_may_look), orders::no_order_views.run_if(not(policy_may_look))).chain(),
            fleet::busy_vehicle_views.run_if(|d: Res<Dispatch>| d.epochs.needs_busy_vehicles),
        )
            .chain(),
    );
    schedule
}

/// Run condition: whether the policy may be asked this epoch. One that only routes the own fleet
/// is asked only when a vehicle and a driver are free; otherwise the open orders are only counted
/// (at peak times that is most epochs).
fn policy_may_look(dispatch: Res<Dispatch>, vehicles: Res<VehicleViews>, drivers: Res<DriverViews>) -> bool {
    !(dispatch.epochs.needs_free_fleet && (vehicles.0.is_empty() || drivers.0.is_empty()))
}

/// The policy's request, assembled from the domains' views (moved out: [`give_back`] returns
/// their buffers for the next epoch).
fn request(sim: &mut Sim) -> AllocationRequest {
    let (now, travel, w) = (sim.now(), sim.scenario.travel, &mut sim.world);
    AllocationRequest {
        now,
        travel,
        sites: std::mem::take(&mut w.resource_mut::<SiteViews>().0),
        orders: std::mem::take(&mut w.resource_mut::<OrderViews>().views),
        vehicles: std::mem::take(&mut w.resource_mut::<VehicleViews>().0),
        busy_vehicles: std::mem::take(&mut w.resource_mut::<BusyVehicleViews>().0),
        drivers: std::mem::take(&mut w.resource_mut::<DriverViews>().0),
        carriers: std::mem::take(&mut w.resource_mut::<CarrierViews>().0),
    }
}

/// Hands the request's buffers back to the views they came from.
fn give_back(sim: &mut Sim, request: AllocationRequest) {
    let w = &mut sim.world;
    w.resource_mut::<SiteViews>().0 = request.sites;
    w.resource_mut::<OrderViews>().views = request.orders;
    w.resource_mut::<VehicleViews>().0 = request.vehicles;
    w.resource_mut::<BusyVehicleViews>().0 = request.busy_vehicles;
    w.resource_mut::<DriverViews>().0 = request.drivers;
    w.resource_mut::<CarrierViews>().0 = request.carriers;
}

pub(crate) fn on_decide(sim: &mut Sim, periodic: bool) {
    let now = sim.now();
    let dispatch = sim.world.resource_mut::<Dispatch>().into_inner();
    if periodic {
        let every = dispatch.epochs.every.expect("periodic epochs have an interval");
        if now + every <= sim.scenario.horizon {
            sim.cal.schedule_last(now + every, Event::Decide { periodic: true });
        }
    } else {
        dispatch.decide_pending = false;
    }
    let open_orders = orders::open_count(sim);
    if open_orders == 0 {
        // Nothing to place: no policy is asked (see `asked` below), so no view is built.
        sim.log.push(now, Record::Decision { open_orders, routes: 0 });
        return;
    }
    sim.run_view();
    let request = request(sim);
    let needs_free_fleet = sim.world.resource::<Dispatch>().epochs.needs_free_fleet;
    let no_fleet = request.vehicles.is_empty() || request.drivers.is_empty();
    let asked = !(request.orders.is_empty() || (no_fleet && (needs_free_fleet || request.carriers.is_empty())));
    let (Decided { decision, latency }, failure) = match asked.then(|| sim.policies.allocation.decide(&request)) {
        None => (Decided::default(), None),
        Some(Ok(decided)) => (decided, None),
        Some(Err(failure)) => (Decided::default(), Some(failure)),
    };
    give_back(sim, request);
    if let Some(why) = failure {
        sim.stop(why);
    }
    sim.log.push(now, Record::Decision { open_orders, routes: decision.routes.len() as u32 });
    match Some(latency).filter(|l| *l > Duration::ZERO) {
        // The decision takes effect once the policy has answered, in simulated time too.
        Some(latency) => {
            let dispatch = sim.world.resource_mut::<Dispatch>().into_inner();
            let id = dispatch.next_id;
            dispatch.pending.insert(id, decision);
            dispatch.next_id += 1;
            sim.cal.schedule_in(latency, Event::ApplyDecision { id });
        }
        None => apply(sim, decision),
    }
}

pub(crate) fn on_apply(sim: &mut Sim, id: u64) {
    let decision = sim.world.resource_mut::<Dispatch>().pending.remove(&id).expect("a pending decision");
    apply(sim, decision);
}

/// Validates and carries out a decision: routes, tenders, cancellations. What the world cannot
/// honour (any more) is refused and logged.
fn apply(sim: &mut Sim, decision: policies::Decision) {
    let now = sim.now();
    for route in decision.routes {
        match validate(sim, &route) {
            Ok((vehicle, driver, stops)) => fleet::assign(sim, vehicle, driver, stops),
            Err(reason) => {
                sim.log.push(now, Record::DecisionRejected { vehicle: route.vehicle, driver: route.driver, reason })
            }
        }
    }
    for tender in decision.tenders {
        carriers::tender(sim, tender);
    }
    for order in decision.cancellations {
        match orders::entity(sim, order) {
            Some(entity) if orders::is_open(sim, entity) => orders::cancel(sim, entity, false),
            Some(_) => sim.log.push(now, Record::CancellationRefused { order, reason: Rejection::OrderNotOpen }),
            None => sim.log.push(now, Record::CancellationRefused { order, reason: Rejection::UnknownOrder }),
        }
    }
}

type Validated = (Entity, Entity, Vec<(Entity, policies::OrderId)>);

/// Checks a proposed route against the world; a bad route is refused, never half-applied.
fn validate(sim: &Sim, route: &Route) -> Result<Validated, Rejection> {
    let vehicle = fleet::entity(sim, route.vehicle).ok_or(Rejection::UnknownVehicle)?;
    if sim.world.get::<Trip>(vehicle).is_some() {
        return Err(Rejection::VehicleBusy);
    }
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle");
    let driver = drivers::entity(sim, route.driver).ok_or(Rejection::UnknownDriver)?;
    if !drivers::is_free(sim, driver) {
        return Err(Rejection::DriverUnavailable);
    }
    if sim.world.get::<Driver>(driver).expect("driver").site != v.site {
        return Err(Rejection::WrongSite);
    }
    if route.stops.is_empty() {
        return Err(Rejection::EmptyRoute);
    }
    let mut seen = FxHashSet::with_capacity_and_hasher(route.stops.len(), Default::default());
    let mut load = 0;
    let mut stops = Vec::with_capacity(route.stops.len());
    for id in &route.stops {
        let order = orders::entity(sim, *id).ok_or(Rejection::UnknownOrder)?;
        if !seen.insert(*id) {
            return Err(Rejection::OrderTwice);
        }
        if !orders::is_open(sim, order) {
            return Err(Rejection::OrderNotOpen);
        }
        let o = sim.world.get::<Order>(order).expect("order");
        if o.site != v.site {
            return Err(Rejection::WrongSite);
        }
        load += o.size;
        stops.push((order, *id));
    }
    if load > v.capacity {
        return Err(Rejection::OverCapacity);
    }
    let first = sim.world.get::<Order>(stops[0].0).expect("order");
    // No slack at all is refused too: the vehicle would give up at the doors at this very instant,
    // its orders would be open again, and the policy would propose the same route without end.
    if fleet::loading_deadline(sim, v, driver, sim.now(), load, first) <= sim.now() {
        return Err(Rejection::DriverOutOfHours);
    }
    Ok((vehicle, driver, stops))
}

#[cfg(test)]
#[path = "tests/dispatch.rs"]
mod tests;
