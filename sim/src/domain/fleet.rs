//! Vehicles and their trips: queue at the home site's doors, load, drive to each stop, unload,
//! return. Before each leg the driver checks that, at worst, they will be back by shift end plus
//! the allowed overtime; if not, the remaining orders ride back to the site and are re-opened.

use bevy_ecs::prelude::*;
use policies::{BusyVehicleView, DriverId, Duration, Instant, OrderId, SiteId, TravelModel, VehicleId, VehicleView};
use rand::RngExt;

use super::disruptions;
use super::docks::{self, Queued, SiteViews};
use super::drivers::{self, Driver, DriverState};
use super::orders::{self, Order, OrderViews};
use crate::kernel::log::{Money, Record, TripId};
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::world::{Event, Signal, Sim};

#[derive(Component, Clone, Debug)]
pub struct Vehicle {
    pub id: VehicleId,
    pub site: u32,
    pub vehicle_type: u32,
    pub capacity: u32,
    pub speed_kmh: f64,
    pub cost_per_km: f64,
    pub cost_per_hour: f64,
    /// Its site's location, prepared for `TravelModel::distance_prepared`.
    pub home: [f64; 3],
}

impl Vehicle {
    /// The vehicle as the allocation policy sees it while idle.
    pub fn view(&self) -> VehicleView {
        VehicleView {
            id: self.id,
            site: SiteId(self.site),
            capacity: self.capacity,
            speed_kmh: self.speed_kmh,
            cost_per_km: self.cost_per_km,
            cost_per_hour: self.cost_per_hour,
        }
    }
}

/// A vehicle with no trip is idle at its home site.
#[derive(Component, Debug)]
pub struct Trip {
    pub id: TripId,
    pub driver: Entity,
    pub driver_id: DriverId,
    /// Orders in delivery sequence; `next` is the stop being driven to or served.
    pub stops: Vec<(Entity, OrderId)>,
    pub next: usize,
    pub load: u32,
    pub started: Instant,
    pub phase: Phase,
    /// Where the vehicle is (or is driving to), prepared for `TravelModel::distance_prepared`.
    pub at: [f64; 3],
    pub distance_km: f64,
    /// Expected time the current leg or unloading ends, for ETA predictions.
    pub free_at: Instant,
    /// Orders whose delivery failed: they ride back to the site.
    pub failed: Vec<(Entity, OrderId)>,
    /// When it is expected back at its site (known once gone from the doors).
    pub back_expected: Option<Instant>,
    /// The last breakdown on this trip, if there was one (set only by [`on_breakdown`], which
    /// keeps `Fleet::stranded_until` with it).
    stranded: Option<Stranded>,
    /// The last prediction of the stops ahead, for the ETA checks to reuse while it holds.
    predicted: Predicted,
}

/// What [`predict`] answered for a trip's stops ahead, and what from: still its answer while the
/// trip starts from the same instant and place, in the same phase, with the same stops ahead
/// (the orders' own data never changes).
#[derive(Clone, Debug, Default)]
struct Predicted {
    from: Instant,
    at: [f64; 3],
    leg_first: bool,
    stops: Vec<Entity>,
    starts: Vec<Instant>,
}

/// What a vehicle on a trip is doing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Phase {
    /// At its site's doors, waiting for a door since `since`; it gives up at event `give_up`.
    Queued { since: Instant, give_up: crate::kernel::calendar::EventId },
    /// At a door, loading.
    Loading,
    /// On a leg. A breakdown drawn for the leg happens at `breaks_down_at` (prepared point).
    Driving { to: Leg, breaks_down_at: Option<[f64; 3]> },
    /// Unloading at stop `next` for `service` (weather may lengthen it); the attempt fails if `fails`.
    Serving { service: Duration, fails: bool },
}

/// Where a leg goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leg {
    /// To stop `next`.
    Stop,
    /// Back to the site: every stop served, or the rest given up (they ride back).
    Home,
    /// A rescue, out to broken-down vehicle `.0` (on trip `.1`) to take over its goods (the
    /// trip's stops).
    Rescue(Entity, TripId),
}

/// A breakdown: the vehicle stands at `at` (prepared point) until `until`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stranded {
    pub until: Instant,
    pub at: [f64; 3],
}

impl Trip {
    fn new(
        id: TripId,
        (driver, driver_id): (Entity, DriverId),
        stops: Vec<(Entity, OrderId)>,
        load: u32,
        now: Instant,
        at: [f64; 3],
        phase: Phase,
    ) -> Self {
        let (next, distance_km, free_at, failed, back_expected, stranded) = (0, 0.0, now, Vec::new(), None, None);
        Trip {
            id,
            driver,
            driver_id,
            stops,
            next,
            load,
            started: now,
            phase,
            at,
            distance_km,
            free_at,
            failed,
            back_expected,
            stranded,
            predicted: Predicted::default(),
        }
    }

    /// Whether the first stop ahead is reached after a leg from `at` (rather than at `free_at`).
    fn leg_first(&self) -> bool {
        matches!(self.phase, Phase::Serving { .. }) || self.rescue_of().is_some()
    }

    /// [`predict`]'s answer for the stops ahead at `now`, if the last one computed still holds.
    pub fn predicted_ahead(&self, now: Instant) -> Option<&[Instant]> {
        let p = &self.predicted;
        let holds = p.from == self.free_at.max(now)
            && p.at == self.at
            && p.leg_first == self.leg_first()
            && self.ahead().iter().map(|(s, _)| *s).eq(p.stops.iter().copied());
        holds.then_some(&p.starts)
    }

    /// Gone from the doors.
    pub fn departed(&self) -> bool {
        !matches!(self.phase, Phase::Queued { .. } | Phase::Loading)
    }

    fn heading_home(&self) -> bool {
        matches!(self.phase, Phase::Driving { to: Leg::Home, .. })
    }

    /// The broken-down vehicle a rescue is driving out to.
    pub fn rescue_of(&self) -> Option<Entity> {
        self.rescue_from().map(|(from, _)| from)
    }

    /// The broken-down vehicle a rescue is driving out to, and its trip.
    fn rescue_from(&self) -> Option<(Entity, TripId)> {
        match self.phase {
            Phase::Driving { to: Leg::Rescue(from, trip), .. } => Some((from, trip)),
            _ => None,
        }
    }

    /// The stops still to serve, the one being driven to or served first (none once heading home:
    /// what is left then rides back).
    pub fn remaining(&self) -> &[(Entity, OrderId)] {
        if self.heading_home() { &[] } else { &self.stops[self.next.min(self.stops.len())..] }
    }

    /// The stops still to visit, the one being driven to first (its leg cannot change).
    pub fn ahead(&self) -> &[(Entity, OrderId)] {
        let serving = usize::from(matches!(self.phase, Phase::Serving { .. }));
        &self.remaining()[serving.min(self.remaining().len())..]
    }

    /// The breakdown the vehicle stands in at `now`, if any.
    pub fn stranded_at(&self, now: Instant) -> Option<Stranded> {
        self.stranded.filter(|s| s.until > now)
    }
}

/// The vehicles by index (the ids policies see), and the fleet's random streams: travel-time
/// noise per vehicle, failed delivery attempts per site.
#[derive(Resource)]
pub(crate) struct Fleet {
    pub vehicles: Vec<Entity>,
    travel: Vec<Rng>,
    delivery: Vec<Rng>,
    /// The latest end of any breakdown so far: from then on no vehicle is stranded, and nothing
    /// needs to look for one.
    stranded_until: Instant,
    /// Trips started so far: the next trip's id.
    trips: u32,
}

/// The id of the trip starting now.
fn next_trip(sim: &mut Sim) -> TripId {
    let mut fleet = sim.world.resource_mut::<Fleet>();
    fleet.trips += 1;
    TripId(fleet.trips - 1)
}

/// Vehicle `id`'s entity, if there is one.
pub(crate) fn entity(sim: &Sim, id: VehicleId) -> Option<Entity> {
    sim.world.resource::<Fleet>().vehicles.get(id.0 as usize).copied()
}

pub(crate) fn spawn(sim: &mut Sim) {
    sim.world.init_resource::<VehicleViews>();
    sim.world.init_resource::<BusyVehicleViews>();
    let (scenario, seed, rep) = (sim.scenario, sim.seed, sim.replication as u64);
    sim.world.insert_resource(Fleet {
        vehicles: Vec::with_capacity(scenario.vehicles.len()),
        travel: (0..scenario.vehicles.len() as u32).map(|i| stream_rng(seed, rep, Stream::Travel(i))).collect(),
        delivery: (0..scenario.sites.len() as u32).map(|i| stream_rng(seed, rep, Stream::Delivery(i))).collect(),
        stranded_until: Instant::START,
        trips: 0,
    });
    for (i, v) in sim.scenario.vehicles.iter().enumerate() {
        let t = &sim.scenario.vehicle_types[v.vehicle_type as usize];
        let vehicle = Vehicle {
            id: VehicleId(i as u32),
            site: v.site,
            vehicle_type: v.vehicle_type,
            capacity: t.capacity,
            speed_kmh: t.speed_kmh,
            cost_per_km: t.cost_per_km,
            cost_per_hour: t.cost_per_hour,
            home: docks::point(sim, v.site),
        };
        sim.world.resource_mut::<VehicleViews>().0.push(vehicle.view());
        let entity = sim.world.spawn(vehicle).id();
        sim.world.resource_mut::<Fleet>().vehicles.push(entity);
    }
}

/// The vehicle leaves its site's idle set on `trip`: the one place a `Trip` is inserted.
fn start_trip(sim: &mut Sim, vehicle: Entity, id: VehicleId, trip: Trip) {
    sim.world.entity_mut(vehicle).insert(trip);
    let rows = &mut sim.world.resource_mut::<VehicleViews>().into_inner().0;
    let row = rows.binary_search_by_key(&id, |r| r.id).expect("an idle vehicle is in the view");
    rows.remove(row);
}

/// The vehicle's trip is over and it is idle at its site again: the one place a `Trip` is taken.
fn end_trip(sim: &mut Sim, vehicle: Entity) -> Trip {
    let trip = sim.world.entity_mut(vehicle).take::<Trip>().expect("trip");
    let view = sim.world.get::<Vehicle>(vehicle).expect("vehicle").view();
    let rows = &mut sim.world.resource_mut::<VehicleViews>().into_inner().0;
    let row = rows.binary_search_by_key(&view.id, |r| r.id).expect_err("a vehicle on a trip is not in the view");
    rows.insert(row, view);
    trip
}

/// Starts a validated route: the vehicle joins its site's door queue.
pub(crate) fn assign(sim: &mut Sim, vehicle: Entity, driver: Entity, stops: Vec<(Entity, OrderId)>) {
    let now = sim.now();
    let load = stops.iter().map(|(o, _)| sim.world.get::<Order>(*o).expect("order").size).sum();
    for &(order, _) in &stops {
        orders::assigned(sim, order);
    }
    let stops_first = stops[0].0;
    let driver_id = drivers::take(sim, driver);
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let at = v.home;
    let trip = next_trip(sim);
    sim.log.push(
        now,
        Record::RouteAssigned {
            trip,
            vehicle: v.id,
            driver: driver_id,
            site: policies::SiteId(v.site),
            orders: stops.iter().map(|(_, id)| *id).collect(),
            load,
            capacity: v.capacity,
        },
    );
    let first = sim.world.get::<Order>(stops_first).expect("order");
    let deadline = loading_deadline(sim, &v, driver, now, load, first);
    let give_up = sim.cal.schedule(deadline.max(now), Event::DockGiveUp { vehicle });
    let phase = Phase::Queued { since: now, give_up };
    start_trip(sim, vehicle, v.id, Trip::new(trip, (driver, driver_id), stops, load, now, at, phase));
    docks::arrive(sim, v.site, Queued { vehicle, id: v.id, trip, since: now, load });
}

/// Latest time loading `load` may start so that, at worst, the driver (on duty since
/// `trip_start`) can still serve the `first` stop and be back within shift end plus overtime and
/// within duty time.
pub(crate) fn loading_deadline(
    sim: &Sim,
    v: &Vehicle,
    driver: Entity,
    trip_start: Instant,
    load: u32,
    first: &Order,
) -> Instant {
    let km = sim.scenario.travel.distance_prepared(&v.home, &first.point);
    let worst = Worst::now(sim);
    let work =
        docks::load_bound(sim, v.site, load) + worst.drive(sim, v, km) + worst.service(first) + worst.drive(sim, v, km);
    drivers::latest_start(sim, driver, trip_start, work)
}

/// The vehicle waited too long for a door: it leaves the queue and its route is released.
pub(crate) fn on_dock_give_up(sim: &mut Sim, vehicle: Entity) {
    let site = sim.world.get::<Vehicle>(vehicle).expect("vehicle").site;
    docks::leave_queue(sim, site, vehicle);
    release_unloaded(sim, vehicle);
}

/// Ends a trip that never left the doors: its orders are open again, vehicle and driver free.
fn release_unloaded(sim: &mut Sim, vehicle: Entity) {
    let now = sim.now();
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let site = sim.world.get::<Vehicle>(vehicle).expect("vehicle").site;
    let trip = end_trip(sim, vehicle);
    let Phase::Queued { since, .. } = trip.phase else { unreachable!("a give-up is withdrawn when loading starts") };
    sim.log.push(
        now,
        Record::DockGaveUp {
            trip: trip.id,
            vehicle: id,
            driver: trip.driver_id,
            site: policies::SiteId(site),
            waited: now.since(since),
            orders: trip.stops.iter().map(|(_, id)| *id).collect(),
        },
    );
    reopen(sim, &trip.stops);
    for &(order, _) in &trip.stops {
        sim.raise(policies::ExceptionKind::MissedDockSlot, order, None);
    }
    drivers::trip_done(sim, trip.driver, trip.started);
    sim.signal(Signal::ResourceFree);
}

/// Orders that were routed but not delivered go back to the open pool at their site.
fn reopen(sim: &mut Sim, stops: &[(Entity, OrderId)]) {
    for &(order, order_id) in stops {
        orders::returned(sim, order, order_id);
    }
}

/// A door took the vehicle: its give-up is withdrawn.
pub(crate) fn on_loading_started(sim: &mut Sim, vehicle: Entity) {
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("a queued vehicle has a trip");
    let Phase::Queued { give_up, .. } = std::mem::replace(&mut trip.phase, Phase::Loading) else {
        unreachable!("a door takes a queued vehicle")
    };
    sim.cal.cancel(give_up);
}

/// Loading is done: the orders are on board and the vehicle leaves for its first stop.
pub(crate) fn depart(sim: &mut Sim, vehicle: Entity) {
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let trip = sim.world.get::<Trip>(vehicle).expect("trip");
    let (stops, trip) = (trip.stops.clone(), trip.id);
    for (order, _) in stops {
        orders::loaded(sim, order, id, trip);
    }
    next_leg(sim, vehicle);
}

/// Sampled driving time over `km` from `from` to `to` (prepared points); weather over any part
/// of the leg slows that part.
fn drive(sim: &mut Sim, vehicle: &Vehicle, km: f64, from: &[f64; 3], to: &[f64; 3]) -> Duration {
    let rng = &mut sim.world.resource_mut::<Fleet>().into_inner().travel[vehicle.id.0 as usize];
    let noise = sim.scenario.travel_noise.sample(rng);
    let slowdown = disruptions::leg_slowdown(sim, from, to);
    TravelModel::sampled_leg_round(km, vehicle.speed_kmh, slowdown, noise)
}

/// The slowest driving and longest unloading any of the scenario's weather can bring, for the
/// drivers' hours guard.
#[derive(Clone, Copy)]
struct Worst {
    speed: f64,
    service: f64,
}

impl Worst {
    fn now(sim: &Sim) -> Worst {
        let active = disruptions::active_now(sim);
        Worst { speed: active.worst_speed, service: active.worst_service }
    }

    /// Longest driving `km` can take (mean noise if the noise is unbounded).
    fn drive(self, sim: &Sim, vehicle: &Vehicle, km: f64) -> Duration {
        let noise = &sim.scenario.travel_noise;
        let worst = noise.upper_bound().unwrap_or(noise.mean()) / self.speed;
        TravelModel::leg_bound_ceil(km, vehicle.speed_kmh, worst)
    }

    /// Longest unloading `order` can take, weather included.
    fn service(self, order: &Order) -> Duration {
        order.service_max.scale(self.service)
    }
}

/// Starts a leg of `km` from `from` to `to` (prepared points): waits out a closure of either
/// end's region (force majeure, logged), drives, maybe breaks down. How long until it arrives,
/// and how long it is expected to take.
fn start_leg(
    sim: &mut Sim,
    vehicle: Entity,
    v: &Vehicle,
    km: f64,
    from: &[f64; 3],
    to: &[f64; 3],
) -> (Duration, Duration) {
    let held = disruptions::closure_wait(sim, from, to);
    if held > Duration::ZERO {
        let trip = sim.world.get::<Trip>(vehicle).expect("trip");
        let (trip, driver) = (trip.id, trip.driver_id);
        sim.log.push(sim.now(), Record::LegHeld { trip, vehicle: v.id, driver, wait: held });
    }
    let driving = drive(sim, v, km, from, to);
    let repair = breakdown(sim, vehicle, held, driving, from, to);
    let expected = sim.scenario.travel.expected_leg_floor(km, v.speed_kmh);
    (held + driving + repair, held + expected)
}

/// Drives to the next stop, or home when there is none or the driver cannot make it in time.
fn next_leg(sim: &mut Sim, vehicle: Entity) {
    let now = sim.now();
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let home = v.home;
    let worst = Worst::now(sim);
    let trip = sim.world.get::<Trip>(vehicle).expect("trip");
    let (at, driver, started) = (trip.at, trip.driver, trip.started);
    if let Some(&(order, _)) = trip.stops.get(trip.next) {
        let o = sim.world.get::<Order>(order).expect("order");
        let (dest, earliest, service_max) = (o.point, o.earliest, worst.service(o));
        let travel = &sim.scenario.travel;
        let (km, km_home) = (travel.distance_prepared(&at, &dest), travel.distance_prepared(&dest, &home));
        let back_by = (now + worst.drive(sim, &v, km)).max(earliest) + service_max + worst.drive(sim, &v, km_home);
        if drivers::can_work_until(sim, driver, started, back_by) {
            sim.world.get_mut::<Trip>(vehicle).expect("trip").phase =
                Phase::Driving { to: Leg::Stop, breaks_down_at: None };
            let (time, expected) = start_leg(sim, vehicle, &v, km, &at, &dest);
            let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
            trip.at = dest;
            trip.distance_km += km;
            trip.free_at = now + expected;
            sim.cal.schedule_in(time, Event::StopArrive { vehicle });
            refresh_back(sim, vehicle);
            return;
        }
        let trip = sim.world.get::<Trip>(vehicle).expect("trip");
        let orders = trip.stops[trip.next..].iter().map(|(_, id)| *id).collect();
        let (trip, driver) = (trip.id, trip.driver_id);
        sim.log.push(now, Record::StopsAborted { trip, vehicle: v.id, driver, orders });
    }
    sim.world.get_mut::<Trip>(vehicle).expect("trip").phase = Phase::Driving { to: Leg::Home, breaks_down_at: None };
    let km = sim.scenario.travel.distance_prepared(&at, &home);
    let (time, expected) = start_leg(sim, vehicle, &v, km, &at, &home);
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    trip.at = home;
    trip.distance_km += km;
    (trip.free_at, trip.back_expected) = (now + expected, Some(now + expected));
    sim.cal.schedule_in(time, Event::VehicleBack { vehicle });
}

pub(crate) fn on_stop_arrive(sim: &mut Sim, vehicle: Entity) {
    let now = sim.now();
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let trip = sim.world.get::<Trip>(vehicle).expect("trip");
    let (order, order_id) = trip.stops[trip.next];
    let o = sim.world.get::<Order>(order).expect("order");
    // Service waits for the window to open.
    let start = now.max(o.earliest);
    let service = o.service.scale(disruptions::weather_at(sim, &o.point).1);
    let (done, expected_done, site) = (start + service, start + o.service_expected, o.site);
    let p = sim.scenario.failed_delivery_prob;
    let fails = p > 0.0 && sim.world.resource_mut::<Fleet>().into_inner().delivery[site as usize].random::<f64>() < p;
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    (trip.phase, trip.free_at) = (Phase::Serving { service, fails }, expected_done);
    let trip = trip.id;
    sim.log.push(now, Record::StopArrived { trip, vehicle: id, order: order_id });
    sim.cal.schedule(done, Event::ServiceDone { vehicle });
    refresh_back(sim, vehicle);
}

pub(crate) fn on_service_done(sim: &mut Sim, vehicle: Entity) {
    let now = sim.now();
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    let (order, order_id) = trip.stops[trip.next];
    let Phase::Serving { service, fails } = trip.phase else { unreachable!("unloading ends at a stop") };
    trip.next += 1;
    let trip_id = trip.id;
    if fails {
        trip.failed.push((order, order_id));
        sim.log.push(now, Record::DeliveryFailed { order: order_id, trip: trip_id, vehicle: id });
        sim.raise(policies::ExceptionKind::FailedDelivery, order, None);
    } else {
        orders::delivered(sim, order, id, trip_id, service);
    }
    next_leg(sim, vehicle);
}

pub(crate) fn on_back(sim: &mut Sim, vehicle: Entity) {
    let now = sim.now();
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle");
    let (id, per_km, per_hour) = (v.id, v.cost_per_km, v.cost_per_hour);
    let trip = end_trip(sim, vehicle);
    reopen(sim, &trip.stops[trip.next..]);
    reopen(sim, &trip.failed);
    let distance_mm = (trip.distance_km * 1e6).round() as u64;
    // As `(per km) * mm / 1e6 + (per hour) * ms / ms per hour`, in that order of operations.
    let ms = now.since(trip.started).0 as f64;
    let cost = Money(per_km * distance_mm as f64 / 1e6 + per_hour * ms / policies::MS_PER_HOUR as f64);
    sim.log.push(
        now,
        Record::TripEnded {
            trip: trip.id,
            vehicle: id,
            driver: trip.driver_id,
            started: trip.started,
            distance_mm,
            cost,
        },
    );
    drivers::trip_done(sim, trip.driver, trip.started);
    sim.signal(Signal::ResourceFree);
}

/// Expected service starts of a trip's stops from `first` on, visited in `order`, from where the
/// vehicle will next be free (at the stop it is driving to, or done unloading one).
pub(crate) fn predict(sim: &Sim, v: &Vehicle, trip: &Trip, order: &[Entity]) -> Vec<Instant> {
    let travel = &sim.scenario.travel;
    let pace = travel.pace(v.speed_kmh);
    let mut t = trip.free_at.max(sim.now());
    let mut at = trip.at;
    let mut starts = Vec::with_capacity(order.len());
    for (k, &stop) in order.iter().enumerate() {
        let o = sim.world.get::<Order>(stop).expect("order");
        // The stop being driven to is reached at `free_at`; the others (and all of a rescue's,
        // from the vehicle it takes over from) after a leg.
        if k > 0 || trip.leg_first() {
            t += pace.expected_floor(travel.distance_prepared(&at, &o.point));
        }
        let start = t.max(o.earliest);
        starts.push(start);
        t = start + o.service_expected;
        at = o.point;
    }
    starts
}

/// Replaces the stops ahead of the vehicle (see [`ahead`]) with `proposed`, the same orders in
/// another sequence, which saves `saved_ms` of expected lateness.
pub(crate) fn resequence(sim: &mut Sim, vehicle: Entity, proposed: Vec<(Entity, OrderId)>, saved_ms: u64) {
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    let start = trip.stops.len() - proposed.len();
    trip.stops.truncate(start);
    trip.stops.extend(proposed);
    let trip = trip.id;
    sim.log.push(sim.cal.now(), Record::RouteResequenced { trip, vehicle: id, saved_ms });
    refresh_back(sim, vehicle);
}

/// Recomputes when the vehicle is expected back at its site, from where it is, with expected times.
pub(crate) fn refresh_back(sim: &mut Sim, vehicle: Entity) {
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle");
    let trip = sim.world.get::<Trip>(vehicle).expect("trip");
    let stops: Vec<Entity> = trip.ahead().iter().map(|(s, _)| *s).collect();
    let starts = predict(sim, v, trip, &stops);
    let (t, at) = match (stops.last(), starts.last()) {
        (Some(s), Some(start)) => {
            let o = sim.world.get::<Order>(*s).expect("order");
            (*start + o.service_expected, o.point)
        }
        _ => (trip.free_at.max(sim.now()), trip.at),
    };
    let km = sim.scenario.travel.distance_prepared(&at, &v.home);
    let back = t + sim.scenario.travel.expected_leg_floor(km, v.speed_kmh);
    let now = sim.now();
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    trip.back_expected = Some(back);
    trip.predicted = Predicted { from: trip.free_at.max(now), at: trip.at, leg_first: trip.leg_first(), stops, starts };
}

/// Schedules a breakdown on a leg of `driving` from `from` to `to` starting `held` from now, if
/// one happens; the repair time it adds.
fn breakdown(
    sim: &mut Sim,
    vehicle: Entity,
    held: Duration,
    driving: Duration,
    from: &[f64; 3],
    to: &[f64; 3],
) -> Duration {
    let Some((after, repair)) = disruptions::breakdown(sim, driving) else { return Duration::ZERO };
    let travel = &sim.scenario.travel;
    let (a, b) = (travel.unprepare(from), travel.unprepare(to));
    let f = after.0 as f64 / driving.0.max(1) as f64;
    let at = travel.prepare(policies::Point { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f });
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("trip");
    let Phase::Driving { breaks_down_at, .. } = &mut trip.phase else { unreachable!("breakdowns happen on legs") };
    *breaks_down_at = Some(at);
    sim.cal.schedule_in(held + after, Event::Breakdown { vehicle, repair });
    repair
}

/// The vehicle stands for `repair`: the orders ahead become exceptions, with their expected lateness.
pub(crate) fn on_breakdown(sim: &mut Sim, vehicle: Entity, repair: Duration) {
    let now = sim.now();
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let mut trip = sim.world.get_mut::<Trip>(vehicle).expect("a broken-down vehicle is on a trip");
    trip.free_at += repair;
    let Phase::Driving { breaks_down_at: Some(at), .. } = trip.phase else { unreachable!("drawn for this leg") };
    trip.stranded = Some(Stranded { until: now + repair, at });
    let (trip, driver) = (trip.id, trip.driver_id);
    let mut fleet = sim.world.resource_mut::<Fleet>();
    fleet.stranded_until = fleet.stranded_until.max(now + repair);
    sim.log.push(now, Record::VehicleBrokeDown { trip, vehicle: v.id, driver, repair });
    refresh_back(sim, vehicle);
    let trip = sim.world.get::<Trip>(vehicle).expect("trip");
    let on_board: Vec<Entity> = trip.ahead().iter().map(|(o, _)| *o).collect();
    let starts = predict(sim, &v, trip, &on_board);
    for (order, start) in on_board.into_iter().zip(starts) {
        let late = start.saturating_since(sim.world.get::<Order>(order).expect("order").due).as_min();
        sim.raise(policies::ExceptionKind::Breakdown, order, Some(late));
    }
}

/// The vehicle on the road with `order` among the stops still ahead, if any.
pub(crate) fn carrying(sim: &Sim, order: OrderId) -> Option<Entity> {
    sim.world.resource::<Fleet>().vehicles.iter().copied().find(|&v| {
        sim.world.get::<Trip>(v).is_some_and(|t| t.departed() && t.ahead().iter().any(|(_, id)| *id == order))
    })
}

/// The broken-down vehicle standing with `order` on board, if the order can move to another
/// vehicle: it is not the stop the vehicle was driving to (that one stays).
pub(crate) fn stranded_with(sim: &Sim, order: OrderId) -> Option<Entity> {
    let now = sim.now();
    if sim.world.resource::<Fleet>().stranded_until <= now {
        return None;
    }
    carrying(sim, order).filter(|&v| {
        let t = sim.world.get::<Trip>(v).expect("trip");
        t.stranded_at(now).is_some() && t.stops[t.next + 1..].iter().any(|(_, id)| *id == order)
    })
}

/// Moves `order` from the broken-down vehicle carrying it to a rescue vehicle: one already on its
/// way there with room for it, or else the idle vehicle with a free driver on shift that reaches
/// it first, if that is before the repair is done and the driver has the hours. Whether it moved.
pub(crate) fn reassign(sim: &mut Sim, order: Entity, order_id: OrderId) -> bool {
    let now = sim.now();
    let Some(from) = stranded_with(sim, order_id) else { return false };
    let size = sim.world.get::<Order>(order).expect("order").size;
    let joins = sim.world.resource::<Fleet>().vehicles.iter().copied().find(|&r| {
        let cap = sim.world.get::<Vehicle>(r).expect("vehicle").capacity;
        sim.world.get::<Trip>(r).is_some_and(|t| t.rescue_of() == Some(from) && t.load + size <= cap)
    });
    let to = match joins {
        Some(r) => r,
        None => match rescue_vehicle(sim, from, order, size) {
            Some(r) => r,
            None => return false,
        },
    };
    let mut trip = sim.world.get_mut::<Trip>(from).expect("trip");
    let at = trip.stops.iter().rposition(|(_, id)| *id == order_id).expect("carried");
    trip.stops.remove(at);
    trip.load -= size;
    let from_trip = trip.id;
    let from_id = sim.world.get::<Vehicle>(from).expect("vehicle").id;
    refresh_back(sim, from);
    let mut rescue = sim.world.get_mut::<Trip>(to).expect("trip");
    rescue.stops.push((order, order_id));
    rescue.load += size;
    let (load, to_trip) = (rescue.load, rescue.id);
    let to_id = sim.world.get::<Vehicle>(to).expect("vehicle").id;
    let record = Record::OrderReassigned { order: order_id, from: from_id, from_trip, to: to_id, to_trip, load };
    sim.log.push(now, record);
    refresh_back(sim, to);
    true
}

/// Starts a rescue trip (with no stops yet) out to broken-down vehicle `from` for `order`, if an
/// idle vehicle with a free driver on shift can be there and hand over before the repair is done
/// and the driver can still deliver the order and be back in time.
fn rescue_vehicle(sim: &mut Sim, from: Entity, order: Entity, size: u32) -> Option<Entity> {
    let now = sim.now();
    let broken = sim.world.get::<Trip>(from).expect("trip");
    let from_trip = broken.id;
    let Stranded { at: point, until } = broken.stranded_at(now).expect("a rescue is for a broken-down vehicle");
    let o = sim.world.get::<Order>(order).expect("order");
    let travel = &sim.scenario.travel;
    let expected = |v: &Vehicle, km: f64| travel.expected_leg_floor(km, v.speed_kmh);
    let mut best: Option<(Instant, Entity, Entity)> = None;
    for &vehicle in &sim.world.resource::<Fleet>().vehicles {
        let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle");
        if sim.world.get::<Trip>(vehicle).is_some() || v.capacity < size {
            continue;
        }
        let home = &v.home;
        let there = now + expected(v, travel.distance_prepared(home, &point));
        let handed = there + sim.scenario.vehicle_types[v.vehicle_type as usize].handover;
        if handed > until || best.is_some_and(|(t, _, _)| t <= handed) {
            continue;
        }
        let served =
            (handed + expected(v, travel.distance_prepared(&point, &o.point))).max(o.earliest) + o.service_expected;
        let back = served + expected(v, travel.distance_prepared(&o.point, home));
        let free = |d: &Entity| {
            let (driver, state) =
                (sim.world.get::<Driver>(*d).expect("driver"), sim.world.get::<DriverState>(*d).expect("driver"));
            driver.site == v.site && state.on_shift && !state.busy && drivers::can_work_until(sim, *d, now, back)
        };
        // Standby drivers first: the others are the allocation policy's.
        let standby = |d: &&Entity| !sim.world.get::<Driver>(**d).expect("driver").standby;
        if let Some(&driver) = sim.world.resource::<drivers::Drivers>().0.iter().filter(|d| free(d)).min_by_key(standby)
        {
            best = Some((handed, vehicle, driver));
        }
    }
    let (handed, vehicle, driver) = best?;
    let v = sim.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let driver_id = drivers::take(sim, driver);
    let home = v.home;
    let phase = Phase::Driving { to: Leg::Rescue(from, from_trip), breaks_down_at: None };
    let id = next_trip(sim);
    let mut trip = Trip::new(id, (driver, driver_id), Vec::new(), 0, now, point, phase);
    trip.free_at = handed;
    start_trip(sim, vehicle, v.id, trip);
    let (site, orders, capacity) = (policies::SiteId(v.site), Vec::new(), v.capacity);
    sim.log.push(
        now,
        Record::RouteAssigned { trip: id, vehicle: v.id, driver: driver_id, site, orders, load: 0, capacity },
    );
    let km = sim.scenario.travel.distance_prepared(&home, &point);
    let (time, _) = start_leg(sim, vehicle, &v, km, &home, &point);
    sim.world.get_mut::<Trip>(vehicle).expect("trip").distance_km = km;
    let handover = sim.scenario.vehicle_types[v.vehicle_type as usize].handover;
    sim.cal.schedule_in(time + handover, Event::Handover { vehicle });
    Some(vehicle)
}

/// The rescue has the goods: it sets off for their stops.
pub(crate) fn on_handover(sim: &mut Sim, vehicle: Entity) {
    let trip = sim.world.get::<Trip>(vehicle).expect("a rescue is on a trip");
    let (from, from_trip) = trip.rescue_from().expect("a rescue");
    let (orders, trip) = (trip.stops.iter().map(|(_, id)| *id).collect(), trip.id);
    let id = sim.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let from = sim.world.get::<Vehicle>(from).expect("vehicle").id;
    sim.log.push(sim.now(), Record::HandedOver { trip, vehicle: id, from, from_trip, orders });
    next_leg(sim, vehicle);
}

/// The vehicles at their sites, free for a trip, in id order: kept as trips start and end
/// ([`start_trip`], [`end_trip`]), not rebuilt at every epoch.
#[derive(Resource, Default)]
pub struct VehicleViews(pub Vec<VehicleView>);

/// The vehicles on trips, by id, when the policy will be asked (written by [`busy_vehicle_views`]).
#[derive(Resource, Default)]
pub struct BusyVehicleViews(pub Vec<BusyVehicleView>);

/// View system: the vehicles on trips, where they are (the stop they drive to, or home) and the
/// stops still theirs; only when there are open orders to place (the orders' view is gathered).
pub(crate) fn busy_vehicle_views(
    mut out: ResMut<BusyVehicleViews>,
    sites: Res<SiteViews>,
    open: Res<OrderViews>,
    vehicles: Query<(&Vehicle, &Trip)>,
    orders: Query<&Order>,
) {
    let views = &mut out.0;
    views.clear();
    if open.views.is_empty() {
        return;
    }
    views.extend(vehicles.iter().map(|(v, trip)| {
        let ahead = trip.remaining();
        let home = sites.0[v.site as usize].location;
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
    views.sort_unstable_by_key(|v| v.id);
}

#[cfg(test)]
#[path = "tests/fleet.rs"]
mod tests;
