//! Decision epochs: build the policy's plain-data view of the world, ask the policy, validate its
//! routes and turn them into trips.
//!
//! The view is gathered by a chain of systems, one per domain, on the single-threaded executor with
//! ambiguity detection set to error: the order is explicit, never bevy's choice. `Entity`, `Query`
//! and friends stop here; the policy sees ids and plain structs.

use rustc_hash::{FxHashMap, FxHashSet};

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{LogLevel, Schedule, ScheduleBuildSettings, SingleThreadedExecutor};
use policies::{
    AllocationRequest, BusyVehicleView, Decision, DriverView, Duration, Epochs, Instant, OrderView, Route, SiteId,
    SiteView, VehicleView,
};

use super::carriers::{self, Carrier, CarrierUsage};
use super::docks::{Dock, Site};
use super::drivers::{self, Driver, DriverState};
use super::fleet::{self, Trip, Vehicle};
use super::orders::{self, Order, OrderState};
use crate::kernel::log::{Record, Rejection};
use crate::policy::Decided;
use crate::world::{Event, Sim};

/// The request being built for the policy, and the number of open orders.
#[derive(Resource)]
pub struct Snapshot(pub AllocationRequest, pub u32);

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
    let travel = sim.scenario.travel;
    sim.world.insert_resource(Snapshot(
        AllocationRequest {
            now: Instant::START,
            travel,
            sites: Vec::new(),
            orders: Vec::new(),
            vehicles: Vec::new(),
            busy_vehicles: Vec::new(),
            drivers: Vec::new(),
            carriers: Vec::new(),
        },
        0,
    ));
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

pub(crate) fn view_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.set_build_settings(ScheduleBuildSettings { ambiguity_detection: LogLevel::Error, ..Default::default() });
    schedule.add_systems(
        (
            snapshot_sites,
            snapshot_vehicles,
            snapshot_drivers,
            snapshot_carriers,
            snapshot_orders,
            snapshot_busy_vehicles,
        )
            .chain(),
    );
    schedule
}

fn snapshot_sites(mut snap: ResMut<Snapshot>, sites: Query<(&Site, &Dock)>) {
    let req = &mut snap.0;
    req.sites.clear();
    req.sites.extend(sites.iter().map(|(s, d)| SiteView {
        id: SiteId(s.index),
        location: s.location,
        doors: s.doors.saturating_sub(s.down),
        doors_busy: d.busy,
        queue_len: d.queue.len() as u32,
        hours: s.hours,
        load_fixed_mean: s.load_fixed_mean,
        load_per_unit_mean_ms: s.load_per_unit_mean_ms,
    }));
    // Indexed by SiteId.
    req.sites.sort_unstable_by_key(|s| s.id);
}

/// Open orders. A policy that only routes the own fleet is only asked when a vehicle and a driver
/// are free, so otherwise they are only counted: at peak times that is most epochs.
fn snapshot_orders(mut snap: ResMut<Snapshot>, dispatch: Res<Dispatch>, orders: Query<(&Order, &OrderState)>) {
    let Snapshot(req, open) = &mut *snap;
    req.orders.clear();
    if dispatch.epochs.needs_free_fleet && (req.vehicles.is_empty() || req.drivers.is_empty()) {
        *open = orders.iter().filter(|(_, s)| **s == OrderState::Open).count() as u32;
        return;
    }
    req.orders.extend(orders.iter().filter(|(_, s)| **s == OrderState::Open).map(|(o, _)| OrderView {
        id: o.id,
        reference: o.reference.as_deref().map(str::to_string),
        site: SiteId(o.site),
        destination: o.destination,
        size: o.size,
        created: o.created,
        ready: o.ready,
        earliest: o.earliest,
        due: o.due,
        priority: o.priority,
        value: o.value,
        service: o.service_expected,
    }));
    // No sort: the order of views is unspecified (policies order orders themselves), and the
    // query's iteration order is a deterministic function of the run's history.
    *open = req.orders.len() as u32;
}

fn snapshot_vehicles(mut snap: ResMut<Snapshot>, vehicles: Query<&Vehicle, Without<Trip>>) {
    let req = &mut snap.0;
    req.vehicles.clear();
    req.vehicles.extend(vehicles.iter().map(|v| VehicleView {
        id: v.id,
        site: SiteId(v.site),
        capacity: v.capacity,
        speed_kmh: v.speed_kmh,
        cost_per_km: v.cost_per_km,
        cost_per_hour: v.cost_per_hour,
    }));
    req.vehicles.sort_unstable_by_key(|v| v.id);
}

/// Vehicles on trips, only when the policy will be asked (the orders were gathered).
fn snapshot_busy_vehicles(mut snap: ResMut<Snapshot>, vehicles: Query<(&Vehicle, &Trip)>, orders: Query<&Order>) {
    let req = &mut snap.0;
    req.busy_vehicles.clear();
    if req.orders.is_empty() {
        return;
    }
    req.busy_vehicles.extend(vehicles.iter().map(|(v, trip)| {
        let ahead = trip.remaining();
        let home = req.sites[v.site as usize].location;
        let position = match ahead.first() {
            Some((order, _)) if trip.departed() => orders.get(*order).map_or(home, |o| o.destination),
            _ => home,
        };
        BusyVehicleView {
            id: v.id,
            site: SiteId(v.site),
            capacity: v.capacity,
            position,
            departed: trip.departed(),
            stops_left: ahead.iter().map(|(_, id)| *id).collect(),
            back_expected: trip.back_expected,
        }
    }));
    req.busy_vehicles.sort_unstable_by_key(|v| v.id);
}

fn snapshot_drivers(mut snap: ResMut<Snapshot>, drivers: Query<(&Driver, &DriverState)>) {
    let req = &mut snap.0;
    let now = req.now;
    req.drivers.clear();
    req.drivers.extend(drivers.iter().filter(|(d, s)| !d.standby && s.on_shift && !s.busy && now < s.shift_end).map(
        |(d, s)| DriverView {
            id: d.id,
            site: SiteId(d.site),
            shift_end: s.shift_end,
            latest_return: s.latest_return(d),
            duty_left: d.max_duty - s.duty_used,
        },
    ));
    req.drivers.sort_unstable_by_key(|d| d.id);
}

fn snapshot_carriers(mut snap: ResMut<Snapshot>, carriers: Query<(&Carrier, &CarrierUsage)>) {
    let req = &mut snap.0;
    let now = req.now;
    req.carriers.clear();
    req.carriers.extend(carriers.iter().map(|(c, u)| c.view(u, now)));
    req.carriers.sort_unstable_by_key(|c| c.id);
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
    sim.world.resource_mut::<Snapshot>().0.now = now;
    sim.view_schedule.run(&mut sim.world);
    let Snapshot(request, open_orders) = sim.world.resource::<Snapshot>();
    let needs_free_fleet = sim.world.resource::<Dispatch>().epochs.needs_free_fleet;
    let no_fleet = request.vehicles.is_empty() || request.drivers.is_empty();
    let open_orders = *open_orders;
    let asked = !(request.orders.is_empty() || (no_fleet && (needs_free_fleet || request.carriers.is_empty())));
    let (Decided { decision, latency }, failure) = match asked.then(|| sim.policies.allocation.decide(request)) {
        None => (Decided::default(), None),
        Some(Ok(decided)) => (decided, None),
        Some(Err(failure)) => (Decided::default(), Some(failure)),
    };
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
