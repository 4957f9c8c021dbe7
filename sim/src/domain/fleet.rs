//! Vehicles and their trips: queue at the home site's doors, load, drive to each stop, unload,
//! return. Before each leg the driver checks that, at worst, they will be back by shift end plus
//! the allowed overtime; if not, the remaining orders ride back to the site and are re-opened.

use bevy_ecs::prelude::*;
use policies::{DriverId, OrderId, TimeMs, TravelModel, VehicleId};
use rand::RngExt;

use super::disruptions;
use super::drivers::{self, Driver, DriverState};
use super::orders::{self, Order, OrderState};
use crate::engine::{Engine, Event};
use crate::log::Record;

#[derive(Component, Clone, Debug)]
pub struct Vehicle {
    pub id: VehicleId,
    pub site: u32,
    pub vehicle_type: u32,
    pub capacity: u32,
    pub speed_kmh: f64,
    pub cost_per_km: f64,
    pub cost_per_hour: f64,
}

/// A vehicle with no trip is idle at its home site.
#[derive(Component, Debug)]
pub struct Trip {
    pub driver: Entity,
    pub driver_id: DriverId,
    /// Orders in delivery sequence; `next` is the stop being driven to or served.
    pub stops: Vec<(Entity, OrderId)>,
    pub next: usize,
    pub load: u32,
    pub started: TimeMs,
    pub queued_at: TimeMs,
    /// Where the vehicle is (or is driving to), prepared for `TravelModel::distance_prepared`.
    pub at: [f64; 3],
    pub distance_km: f64,
    /// Set once the driver gives up the remaining stops.
    pub aborted: bool,
    /// Pending give-up while queued at the doors.
    pub give_up: Option<crate::calendar::EventId>,
    /// Loaded and gone from the doors.
    pub departed: bool,
    /// At stop `next`, unloading (else driving to it, or still at the site).
    pub serving: bool,
    /// Expected time the current leg or unloading ends, for ETA predictions.
    pub free_at: TimeMs,
    /// The current stop's delivery attempt fails (decided on arrival).
    pub attempt_fails: bool,
    /// Orders whose delivery failed: they ride back to the site.
    pub failed: Vec<(Entity, OrderId)>,
    /// When it is expected back at its site (once gone from the doors).
    pub back_expected: Option<TimeMs>,
    /// How long unloading the current stop takes (weather may lengthen it).
    pub service_taken: TimeMs,
    /// Driving out to broken-down vehicle `rescue_of` to take over its goods (the trip's stops).
    pub rescue_of: Option<Entity>,
    /// Broken down and standing until then.
    pub stranded_until: TimeMs,
    /// Where the breakdown drawn for the current leg happens (prepared point).
    pub breakdown_at: [f64; 3],
}

impl Trip {
    fn new(
        driver: Entity,
        driver_id: DriverId,
        stops: Vec<(Entity, OrderId)>,
        load: u32,
        now: TimeMs,
        at: [f64; 3],
    ) -> Self {
        Trip {
            driver,
            driver_id,
            stops,
            next: 0,
            load,
            started: now,
            queued_at: now,
            at,
            distance_km: 0.0,
            aborted: false,
            give_up: None,
            departed: false,
            serving: false,
            free_at: now,
            attempt_fails: false,
            failed: Vec::new(),
            back_expected: None,
            service_taken: TimeMs::ZERO,
            rescue_of: None,
            stranded_until: TimeMs::ZERO,
            breakdown_at: at,
        }
    }
}

pub(crate) fn spawn(e: &mut Engine) {
    for (i, v) in e.scenario.vehicles.iter().enumerate() {
        let t = &e.scenario.vehicle_types[v.vehicle_type as usize];
        let vehicle = Vehicle {
            id: VehicleId(i as u32),
            site: v.site,
            vehicle_type: v.vehicle_type,
            capacity: t.capacity,
            speed_kmh: t.speed_kmh,
            cost_per_km: t.cost_per_km,
            cost_per_hour: t.cost_per_hour,
        };
        e.vehicles.push(e.world.spawn(vehicle).id());
    }
}

/// Starts a validated route: the vehicle joins its site's door queue.
pub(crate) fn assign(e: &mut Engine, vehicle: Entity, driver: Entity, stops: Vec<(Entity, OrderId)>) {
    let now = e.now();
    let load = stops.iter().map(|(o, _)| e.world.get::<Order>(*o).expect("order").size).sum();
    for &(order, _) in &stops {
        *e.world.get_mut::<OrderState>(order).expect("order") = OrderState::Assigned;
        orders::withdraw_cancel(e, order);
    }
    let stops_first = stops[0].0;
    let driver_id = e.world.get::<Driver>(driver).expect("driver").id;
    e.world.get_mut::<DriverState>(driver).expect("driver").busy = true;
    let v = e.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let at = e.site_points[v.site as usize];
    e.log.push(
        now,
        Record::RouteAssigned {
            vehicle: v.id,
            driver: driver_id,
            site: policies::SiteId(v.site),
            stops: stops.len() as u32,
            load,
            capacity: v.capacity,
        },
    );
    e.world.entity_mut(vehicle).insert(Trip::new(driver, driver_id, stops, load, now, at));
    let first = e.world.get::<Order>(stops_first).expect("order");
    let deadline = loading_deadline(e, &v, driver, now, load, first);
    let give_up = e.cal.schedule(deadline.max(now), Event::DockGiveUp { vehicle });
    e.world.get_mut::<Trip>(vehicle).expect("trip").give_up = Some(give_up);
    super::docks::arrive(e, v.site, vehicle);
}

/// Latest time loading `load` may start so that, at worst, the driver (on duty since
/// `trip_start`) can still serve the `first` stop and be back within shift end plus overtime and
/// within duty time.
pub(crate) fn loading_deadline(
    e: &Engine,
    v: &Vehicle,
    driver: Entity,
    trip_start: TimeMs,
    load: u32,
    first: &Order,
) -> TimeMs {
    let km = e.scenario.travel.distance_prepared(&e.site_points[v.site as usize], &first.point);
    let work = super::docks::load_bound(e, v.site, load)
        + drive_bound(e, v, km)
        + service_bound(e, first)
        + drive_bound(e, v, km);
    drivers::latest_start(e, driver, trip_start, work)
}

/// Ends a trip that never left the doors: its orders are open again, vehicle and driver free.
pub(crate) fn release_unloaded(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let site = e.world.get::<Vehicle>(vehicle).expect("vehicle").site;
    let trip = e.world.entity_mut(vehicle).take::<Trip>().expect("trip");
    e.log.push(
        now,
        Record::DockGaveUp {
            vehicle: id,
            driver: trip.driver_id,
            site: policies::SiteId(site),
            waited: now - trip.queued_at,
            orders: trip.stops.len() as u32,
        },
    );
    reopen(e, &trip.stops);
    for &(order, _) in &trip.stops {
        super::exceptions::raise(e, policies::ExceptionKind::MissedDockSlot, order, None);
    }
    drivers::trip_done(e, trip.driver, trip.started);
    if e.epochs.on_resource_free {
        e.request_decision();
    }
}

/// Orders that were routed but not delivered go back to the open pool at their site.
fn reopen(e: &mut Engine, stops: &[(Entity, OrderId)]) {
    let now = e.now();
    for &(order, order_id) in stops {
        *e.world.get_mut::<OrderState>(order).expect("order") = OrderState::Open;
        e.log.push(now, Record::OrderReturned { order: order_id });
        let due = e.world.get::<Order>(order).expect("order").due;
        orders::schedule_cancel(e, order, due);
    }
}

/// Called by the docks when a door takes the vehicle: (id, when it queued, load).
pub(crate) fn start_loading(e: &mut Engine, vehicle: Entity) -> (VehicleId, TimeMs, u32) {
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("a queued vehicle has a trip");
    let give_up = trip.give_up.take();
    let (queued_at, load) = (trip.queued_at, trip.load);
    if let Some(event) = give_up {
        e.cal.cancel(event);
    }
    (id, queued_at, load)
}

/// Loading is done: the orders are on board and the vehicle leaves for its first stop.
pub(crate) fn depart(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let stops = e.world.get::<Trip>(vehicle).expect("trip").stops.clone();
    for (order, order_id) in stops {
        let ready = e.world.get::<Order>(order).expect("order").ready;
        *e.world.get_mut::<OrderState>(order).expect("order") = OrderState::OnBoard;
        e.log.push(now, Record::OrderDeparted { order: order_id, vehicle: id, ready });
    }
    e.world.get_mut::<Trip>(vehicle).expect("trip").departed = true;
    next_leg(e, vehicle);
}

/// Sampled driving time over `km` from `from` to `to` (prepared points); weather over any part
/// of the leg slows that part.
fn drive(e: &mut Engine, vehicle: &Vehicle, km: f64, from: &[f64; 3], to: &[f64; 3]) -> TimeMs {
    let noise = e.scenario.travel_noise.sample(&mut e.rng.travel[vehicle.id.0 as usize]);
    let slowdown = disruptions::leg_slowdown(e, from, to);
    TimeMs((TravelModel::nominal_ms(km, vehicle.speed_kmh) * slowdown * noise).round() as u64)
}

/// Longest driving `km` can take (mean noise if the noise is unbounded).
fn drive_bound(e: &Engine, vehicle: &Vehicle, km: f64) -> TimeMs {
    let noise = &e.scenario.travel_noise;
    let worst = noise.upper_bound().unwrap_or(noise.mean()) / e.active.worst_speed;
    TimeMs((TravelModel::nominal_ms(km, vehicle.speed_kmh) * worst).ceil() as u64)
}

/// Longest unloading `order` can take, weather included.
fn service_bound(e: &Engine, order: &Order) -> TimeMs {
    order.service_max.scale(e.active.worst_service)
}

/// Starts a leg of `km` from `from` to `to` (prepared points): waits out a closure of either
/// end's region (force majeure, logged), drives, maybe breaks down. How long until it arrives,
/// and how long it is expected to take.
fn start_leg(
    e: &mut Engine,
    vehicle: Entity,
    v: &Vehicle,
    km: f64,
    from: &[f64; 3],
    to: &[f64; 3],
) -> (TimeMs, TimeMs) {
    let held = disruptions::closure_wait(e, from, to);
    if held > TimeMs::ZERO {
        let driver = e.world.get::<Trip>(vehicle).expect("trip").driver_id;
        e.log.push(e.now(), Record::LegHeld { vehicle: v.id, driver, wait: held });
    }
    let driving = drive(e, v, km, from, to);
    let repair = breakdown(e, vehicle, held, driving, from, to);
    let expected = TimeMs((TravelModel::nominal_ms(km, v.speed_kmh) * e.scenario.travel.noise_mean) as u64);
    (held + driving + repair, held + expected)
}

/// Drives to the next stop, or home when there is none or the driver cannot make it in time.
fn next_leg(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let v = e.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let home = e.site_points[v.site as usize];
    let trip = e.world.get::<Trip>(vehicle).expect("trip");
    let (at, driver, started) = (trip.at, trip.driver, trip.started);
    let next = (!trip.aborted).then(|| trip.stops.get(trip.next).copied()).flatten();
    if let Some((order, _)) = next {
        let o = e.world.get::<Order>(order).expect("order");
        let (dest, earliest, service_max) = (o.point, o.earliest, service_bound(e, o));
        let travel = &e.scenario.travel;
        let (km, km_home) = (travel.distance_prepared(&at, &dest), travel.distance_prepared(&dest, &home));
        let back_by = (now + drive_bound(e, &v, km)).max(earliest) + service_max + drive_bound(e, &v, km_home);
        if drivers::can_work_until(e, driver, started, back_by) {
            let (time, expected) = start_leg(e, vehicle, &v, km, &at, &dest);
            let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
            trip.at = dest;
            trip.distance_km += km;
            trip.serving = false;
            trip.free_at = now + expected;
            e.cal.schedule_in(time, Event::StopArrive { vehicle });
            refresh_back(e, vehicle);
            return;
        }
        let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
        trip.aborted = true;
        let (remaining, driver_id) = ((trip.stops.len() - trip.next) as u32, trip.driver_id);
        e.log.push(now, Record::StopsAborted { vehicle: v.id, driver: driver_id, orders: remaining });
    }
    let km = e.scenario.travel.distance_prepared(&at, &home);
    let (time, expected) = start_leg(e, vehicle, &v, km, &at, &home);
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
    trip.at = home;
    trip.distance_km += km;
    (trip.serving, trip.free_at, trip.back_expected) = (false, now + expected, Some(now + expected));
    e.cal.schedule_in(time, Event::VehicleBack { vehicle });
}

pub(crate) fn on_stop_arrive(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let trip = e.world.get::<Trip>(vehicle).expect("trip");
    let (order, order_id) = trip.stops[trip.next];
    let o = e.world.get::<Order>(order).expect("order");
    // Service waits for the window to open.
    let start = now.max(o.earliest);
    let service = o.service.scale(disruptions::weather_at(e, &o.point).1);
    let (done, expected_done, site) = (start + service, start + o.service_expected, o.site);
    let p = e.scenario.failed_delivery_prob;
    let fails = p > 0.0 && e.rng.delivery[site as usize].random::<f64>() < p;
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
    (trip.serving, trip.free_at, trip.attempt_fails, trip.service_taken) = (true, expected_done, fails, service);
    e.log.push(now, Record::StopArrived { vehicle: id, order: order_id });
    e.cal.schedule(done, Event::ServiceDone { vehicle });
    refresh_back(e, vehicle);
}

pub(crate) fn on_service_done(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
    let (order, order_id) = trip.stops[trip.next];
    let trip_service = trip.service_taken;
    trip.next += 1;
    if trip.attempt_fails {
        trip.failed.push((order, order_id));
        e.log.push(now, Record::DeliveryFailed { order: order_id, vehicle: id });
        super::exceptions::raise(e, policies::ExceptionKind::FailedDelivery, order, None);
    } else {
        let o = e.world.get::<Order>(order).expect("order");
        let service_start = now - trip_service;
        e.log.push(
            now,
            Record::Delivered { order: order_id, vehicle: id, created: o.created, due: o.due, service_start },
        );
        e.orders.remove(&order_id);
        e.world.despawn(order);
    }
    next_leg(e, vehicle);
}

pub(crate) fn on_back(e: &mut Engine, vehicle: Entity) {
    let now = e.now();
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let trip = e.world.entity_mut(vehicle).take::<Trip>().expect("trip");
    reopen(e, &trip.stops[trip.next..]);
    reopen(e, &trip.failed);
    e.log.push(
        now,
        Record::TripEnded {
            vehicle: id,
            driver: trip.driver_id,
            started: trip.started,
            distance_mm: (trip.distance_km * 1e6).round() as u64,
        },
    );
    drivers::trip_done(e, trip.driver, trip.started);
    if e.epochs.on_resource_free {
        e.request_decision();
    }
}

/// Expected service starts of a trip's stops from `first` on, visited in `order`, from where the
/// vehicle will next be free (at the stop it is driving to, or done unloading one).
pub(crate) fn predict(e: &Engine, v: &Vehicle, trip: &Trip, order: &[Entity]) -> Vec<TimeMs> {
    let travel = &e.scenario.travel;
    let ms_per_km = policies::MS_PER_HOUR as f64 / v.speed_kmh * travel.noise_mean;
    let mut t = trip.free_at.max(e.now());
    let mut at = trip.at;
    let mut starts = Vec::with_capacity(order.len());
    for (k, &stop) in order.iter().enumerate() {
        let o = e.world.get::<Order>(stop).expect("order");
        // The stop being driven to is reached at `free_at`; the others (and all of a rescue's,
        // from the vehicle it takes over from) after a leg.
        if k > 0 || trip.serving || trip.rescue_of.is_some() {
            t = t + TimeMs((travel.distance_prepared(&at, &o.point) * ms_per_km) as u64);
        }
        let start = t.max(o.earliest);
        starts.push(start);
        t = start + o.service_expected;
        at = o.point;
    }
    starts
}

/// The stops still to visit, the one being driven to first (its leg cannot change).
pub(crate) fn ahead(trip: &Trip) -> &[(Entity, OrderId)] {
    let from = if trip.serving { trip.next + 1 } else { trip.next };
    &trip.stops[from.min(trip.stops.len())..]
}

/// Recomputes when the vehicle is expected back at its site, from where it is, with expected times.
pub(crate) fn refresh_back(e: &mut Engine, vehicle: Entity) {
    let v = e.world.get::<Vehicle>(vehicle).expect("vehicle");
    let trip = e.world.get::<Trip>(vehicle).expect("trip");
    let stops: Vec<Entity> = if trip.aborted { Vec::new() } else { ahead(trip).iter().map(|(s, _)| *s).collect() };
    let starts = predict(e, v, trip, &stops);
    let (t, at) = match (stops.last(), starts.last()) {
        (Some(s), Some(start)) => {
            let o = e.world.get::<Order>(*s).expect("order");
            (*start + o.service_expected, o.point)
        }
        _ => (trip.free_at.max(e.now()), trip.at),
    };
    let km = e.scenario.travel.distance_prepared(&at, &e.site_points[v.site as usize]);
    let back = t + TimeMs((TravelModel::nominal_ms(km, v.speed_kmh) * e.scenario.travel.noise_mean) as u64);
    e.world.get_mut::<Trip>(vehicle).expect("trip").back_expected = Some(back);
}

/// Schedules a breakdown on a leg of `driving` from `from` to `to` starting `held` from now, if
/// one happens; the repair time it adds.
fn breakdown(e: &mut Engine, vehicle: Entity, held: TimeMs, driving: TimeMs, from: &[f64; 3], to: &[f64; 3]) -> TimeMs {
    let Some((after, repair)) = disruptions::breakdown(e, driving) else { return TimeMs::ZERO };
    let travel = &e.scenario.travel;
    let (a, b) = (travel.unprepare(from), travel.unprepare(to));
    let f = after.0 as f64 / driving.0.max(1) as f64;
    let at = travel.prepare(policies::Point { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f });
    e.world.get_mut::<Trip>(vehicle).expect("trip").breakdown_at = at;
    e.cal.schedule_in(held + after, Event::Breakdown { vehicle, repair });
    repair
}

/// The vehicle stands for `repair`: the orders ahead become exceptions, with their expected lateness.
pub(crate) fn on_breakdown(e: &mut Engine, vehicle: Entity, repair: TimeMs) {
    let now = e.now();
    let v = e.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("a broken-down vehicle is on a trip");
    trip.free_at = trip.free_at + repair;
    trip.stranded_until = now + repair;
    let driver = trip.driver_id;
    e.log.push(now, Record::VehicleBrokeDown { vehicle: v.id, driver, repair });
    refresh_back(e, vehicle);
    let trip = e.world.get::<Trip>(vehicle).expect("trip");
    let on_board: Vec<Entity> = if trip.aborted { Vec::new() } else { ahead(trip).iter().map(|(o, _)| *o).collect() };
    let starts = predict(e, &v, trip, &on_board);
    for (order, start) in on_board.into_iter().zip(starts) {
        let late = (start - e.world.get::<Order>(order).expect("order").due).as_min();
        super::exceptions::raise(e, policies::ExceptionKind::Breakdown, order, Some(late));
    }
}

/// The vehicle on the road with `order` among the stops still ahead, if any.
pub(crate) fn carrying(e: &Engine, order: OrderId) -> Option<Entity> {
    e.vehicles.iter().copied().find(|&v| {
        e.world.get::<Trip>(v).is_some_and(|t| t.departed && !t.aborted && ahead(t).iter().any(|(_, id)| *id == order))
    })
}

/// The broken-down vehicle standing with `order` on board, if the order can move to another
/// vehicle: it is not the stop the vehicle was driving to (that one stays).
pub(crate) fn stranded_with(e: &Engine, order: OrderId) -> Option<Entity> {
    let now = e.now();
    carrying(e, order).filter(|&v| {
        let t = e.world.get::<Trip>(v).expect("trip");
        t.stranded_until > now && t.stops[t.next + 1..].iter().any(|(_, id)| *id == order)
    })
}

/// Moves `order` from the broken-down vehicle carrying it to a rescue vehicle: one already on its
/// way there with room for it, or else the idle vehicle with a free driver on shift that reaches
/// it first, if that is before the repair is done and the driver has the hours. Whether it moved.
pub(crate) fn reassign(e: &mut Engine, order: Entity, order_id: OrderId) -> bool {
    let now = e.now();
    let Some(from) = stranded_with(e, order_id) else { return false };
    let size = e.world.get::<Order>(order).expect("order").size;
    let joins = e.vehicles.iter().copied().find(|&r| {
        let cap = e.world.get::<Vehicle>(r).expect("vehicle").capacity;
        e.world.get::<Trip>(r).is_some_and(|t| t.rescue_of == Some(from) && t.load + size <= cap)
    });
    let to = match joins {
        Some(r) => r,
        None => match rescue_vehicle(e, from, order, size) {
            Some(r) => r,
            None => return false,
        },
    };
    let mut trip = e.world.get_mut::<Trip>(from).expect("trip");
    let at = trip.stops.iter().rposition(|(_, id)| *id == order_id).expect("carried");
    trip.stops.remove(at);
    trip.load -= size;
    let from_id = e.world.get::<Vehicle>(from).expect("vehicle").id;
    refresh_back(e, from);
    let mut rescue = e.world.get_mut::<Trip>(to).expect("trip");
    rescue.stops.push((order, order_id));
    rescue.load += size;
    let load = rescue.load;
    let to_id = e.world.get::<Vehicle>(to).expect("vehicle").id;
    e.log.push(now, Record::OrderReassigned { order: order_id, from: from_id, to: to_id, load });
    refresh_back(e, to);
    true
}

/// Starts a rescue trip (with no stops yet) out to broken-down vehicle `from` for `order`, if an
/// idle vehicle with a free driver on shift can be there and hand over before the repair is done
/// and the driver can still deliver the order and be back in time.
fn rescue_vehicle(e: &mut Engine, from: Entity, order: Entity, size: u32) -> Option<Entity> {
    let now = e.now();
    let (point, until) = {
        let t = e.world.get::<Trip>(from).expect("trip");
        (t.breakdown_at, t.stranded_until)
    };
    let o = e.world.get::<Order>(order).expect("order");
    let travel = &e.scenario.travel;
    let expected = |v: &Vehicle, km: f64| TimeMs((TravelModel::nominal_ms(km, v.speed_kmh) * travel.noise_mean) as u64);
    let mut best: Option<(TimeMs, Entity, Entity)> = None;
    for &vehicle in &e.vehicles {
        let v = e.world.get::<Vehicle>(vehicle).expect("vehicle");
        if e.world.get::<Trip>(vehicle).is_some() || v.capacity < size {
            continue;
        }
        let home = &e.site_points[v.site as usize];
        let there = now + expected(v, travel.distance_prepared(home, &point));
        let handed = there + e.scenario.vehicle_types[v.vehicle_type as usize].handover;
        if handed > until || best.is_some_and(|(t, _, _)| t <= handed) {
            continue;
        }
        let served =
            (handed + expected(v, travel.distance_prepared(&point, &o.point))).max(o.earliest) + o.service_expected;
        let back = served + expected(v, travel.distance_prepared(&o.point, home));
        let free = |d: &Entity| {
            let (driver, state) =
                (e.world.get::<Driver>(*d).expect("driver"), e.world.get::<DriverState>(*d).expect("driver"));
            driver.site == v.site && state.on_shift && !state.busy && drivers::can_work_until(e, *d, now, back)
        };
        // Standby drivers first: the others are the allocation policy's.
        let standby = |d: &&Entity| !e.world.get::<Driver>(**d).expect("driver").standby;
        if let Some(&driver) = e.drivers.iter().filter(|d| free(d)).min_by_key(standby) {
            best = Some((handed, vehicle, driver));
        }
    }
    let (handed, vehicle, driver) = best?;
    let v = e.world.get::<Vehicle>(vehicle).expect("vehicle").clone();
    let driver_id = e.world.get::<Driver>(driver).expect("driver").id;
    e.world.get_mut::<DriverState>(driver).expect("driver").busy = true;
    let home = e.site_points[v.site as usize];
    let mut trip = Trip::new(driver, driver_id, Vec::new(), 0, now, point);
    (trip.departed, trip.rescue_of, trip.free_at) = (true, Some(from), handed);
    e.world.entity_mut(vehicle).insert(trip);
    let site = policies::SiteId(v.site);
    e.log.push(
        now,
        Record::RouteAssigned { vehicle: v.id, driver: driver_id, site, stops: 0, load: 0, capacity: v.capacity },
    );
    let km = e.scenario.travel.distance_prepared(&home, &point);
    let (time, _) = start_leg(e, vehicle, &v, km, &home, &point);
    e.world.get_mut::<Trip>(vehicle).expect("trip").distance_km = km;
    let handover = e.scenario.vehicle_types[v.vehicle_type as usize].handover;
    e.cal.schedule_in(time + handover, Event::Handover { vehicle });
    Some(vehicle)
}

/// The rescue has the goods: it sets off for their stops.
pub(crate) fn on_handover(e: &mut Engine, vehicle: Entity) {
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("a rescue is on a trip");
    let from = trip.rescue_of.take().expect("a rescue");
    let orders = trip.stops.len() as u32;
    let id = e.world.get::<Vehicle>(vehicle).expect("vehicle").id;
    let from = e.world.get::<Vehicle>(from).expect("vehicle").id;
    e.log.push(e.now(), Record::HandedOver { vehicle: id, from, orders });
    next_leg(e, vehicle);
}
