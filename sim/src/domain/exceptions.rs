//! Exceptions and the dispatcher team.
//!
//! Exceptions are detected here and in the other domains (ETA risk by periodic checks of the trips
//! on the road, tender rejections, failed deliveries, routes given up at the doors), classified
//! and triaged by the scenario's exception policy, and either resolved at once or queued for the
//! dispatchers: a team of `count` people working daily `hours`, taking the most severe, then
//! oldest, exception first, each for a sampled handling time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use bevy_ecs::prelude::*;
use policies::{Action, Duration, ExceptionKind, ExceptionView, Instant, OrderId, Severity, SiteId, Triage};

use super::fleet::{self, Phase, Trip, Vehicle, predict};
use super::orders::{self, Order};
use super::{carriers, disruptions, docks};
use crate::kernel::log::{Money, Record};
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::world::{Event, Sim};

/// An escalated exception waiting for, or in the hands of, a dispatcher.
#[derive(Component, Clone, Debug)]
pub struct Escalated {
    pub view: ExceptionView,
    pub severity: Severity,
}

/// The dispatcher team's queue, the next exception's id, and the handling-time stream.
#[derive(Resource)]
pub struct Desk {
    /// Dispatchers handling an exception right now; never more than the team.
    pub busy: u32,
    /// Escalated exceptions waiting for a dispatcher, the next one on top: the most severe, then
    /// the longest waiting, then the lowest id (its [`Waiting`] key, fixed when it was escalated).
    pub queue: BinaryHeap<Waiting>,
    next_id: u64,
    handling: Rng,
}

/// An escalated exception in the desk's queue, ordered so that the heap's top is the one to
/// handle next.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Waiting(Reverse<(Precedence, Entity)>);

/// Who is handled first: the most severe, then the longest waiting, then the lowest id.
type Precedence = (Reverse<Severity>, Instant, u64);

/// Orders with an ETA-risk exception raised already (one per order).
#[derive(Component)]
pub struct EtaRiskRaised;

pub(crate) fn start(sim: &mut Sim) {
    let handling = stream_rng(sim.seed, sim.replication as u64, Stream::Desk);
    sim.world.insert_resource(Desk { busy: 0, queue: BinaryHeap::new(), next_id: 0, handling });
    sim.cal.schedule(Instant::at(sim.policies.exceptions.eta_check().every), Event::EtaCheck);
    let hours = sim.scenario.dispatchers.hours;
    if !hours.is_always() {
        let first = if hours.open_ms == 0 { policies::MS_PER_DAY } else { hours.open_ms };
        sim.cal.schedule(Instant(first), Event::DeskOpen);
    }
}

/// Expected lateness in minutes of an order sent straight to its customer now.
fn exposure_min(sim: &Sim, o: &Order) -> f64 {
    let km = sim.scenario.travel.distance_prepared(&docks::point(sim, o.site), &o.point);
    // A hard-coded 50 km/h: a rough exposure for triage, not a plan (kept as the goldens have it).
    let direct = policies::TravelModel::nominal_leg_floor(km, 50.0);
    (sim.now() + direct).max(o.earliest).saturating_since(o.due).as_min()
}

/// Raises an exception about `order`, expected `late_min` minutes late if nothing is done.
pub(crate) fn raise(sim: &mut Sim, kind: ExceptionKind, order: Entity, late_min: Option<f64>) {
    let now = sim.now();
    let Some(o) = sim.world.get::<Order>(order) else { return };
    let open = orders::is_open(sim, order);
    let stranded = fleet::stranded_with(sim, o.id).is_some();
    let km = sim.scenario.travel.distance_prepared(&docks::point(sim, o.site), &o.point);
    let view = ExceptionView {
        id: sim.world.resource::<Desk>().next_id,
        kind,
        detected: now,
        order: o.id,
        site: SiteId(o.site),
        due: o.due,
        priority: o.priority,
        value: o.value,
        late_min: late_min.unwrap_or_else(|| exposure_min(sim, o)),
        order_open: open,
        stranded,
        distance_km: km,
        rejected_tenders: o.rejected_tenders,
    };
    sim.world.resource_mut::<Desk>().next_id += 1;
    let severity = sim.policies.exceptions.classify(&view);
    sim.log.push(
        now,
        Record::ExceptionRaised {
            exception: view.id,
            exception_kind: kind,
            order: view.order,
            severity,
            due: view.due,
        },
    );
    let carriers = carriers::views(sim);
    match sim.policies.exceptions.triage(&view, severity, &carriers) {
        Triage::Auto(action) => {
            apply(sim, &view, action);
            let (exception, order) = (view.id, view.order);
            sim.log.push(now, Record::ExceptionResolved { exception, order, action, manual: false, detected: now });
        }
        Triage::Escalate => {
            sim.log.push(now, Record::ExceptionEscalated { exception: view.id, order: view.order });
            let key = (Reverse(severity), view.detected, view.id);
            let entity = sim.world.spawn(Escalated { view, severity }).id();
            sim.world.resource_mut::<Desk>().queue.push(Waiting(Reverse((key, entity))));
            start_handling(sim);
        }
    }
}

/// Dispatchers free and on duty take the most severe, then oldest, exceptions.
fn start_handling(sim: &mut Sim) {
    let now = sim.now();
    let team = &sim.scenario.dispatchers;
    if !team.hours.contains(now) {
        return;
    }
    loop {
        let desk = sim.world.resource_mut::<Desk>().into_inner();
        if desk.busy >= team.count {
            return;
        }
        let Some(Waiting(Reverse((_, exception)))) = desk.queue.pop() else { return };
        desk.busy += 1;
        let minutes = team.handling_min.sample(&mut desk.handling);
        sim.cal.schedule_in(Duration::from_min(minutes), Event::ExceptionHandled { exception });
    }
}

pub(crate) fn on_desk_open(sim: &mut Sim) {
    start_handling(sim);
    sim.cal.schedule_in(Duration::DAY, Event::DeskOpen);
}

pub(crate) fn on_handled(sim: &mut Sim, exception: Entity) {
    let now = sim.now();
    let Escalated { mut view, severity } = sim.world.entity_mut(exception).take::<Escalated>().expect("escalated");
    sim.world.despawn(exception);
    sim.world.resource_mut::<Desk>().busy -= 1;
    // The world may have moved on while the exception waited.
    let order = orders::entity(sim, view.order);
    let action = match order {
        None => Action::Wait, // delivered or cancelled meanwhile
        Some(order) => {
            let o = sim.world.get::<Order>(order).expect("order");
            view.order_open = orders::is_open(sim, order);
            view.stranded = fleet::stranded_with(sim, view.order).is_some();
            view.rejected_tenders = o.rejected_tenders;
            let carriers = carriers::views(sim);
            sim.policies.exceptions.resolve(&view, severity, &carriers)
        }
    };
    apply(sim, &view, action);
    let (exception, order, detected) = (view.id, view.order, view.detected);
    sim.log.push(now, Record::ExceptionResolved { exception, order, action, manual: true, detected });
    start_handling(sim);
}

/// Carries out an action on the exception's order, if it still applies.
fn apply(sim: &mut Sim, view: &ExceptionView, action: Action) {
    let now = sim.now();
    let Some(order) = orders::entity(sim, view.order) else { return };
    let open = orders::is_open(sim, order);
    match action {
        Action::Wait => {}
        Action::Notify => sim.log.push(now, Record::CustomerNotified { order: view.order }),
        Action::Resequence => {
            resequence(sim, view.order);
            sim.log.push(now, Record::CustomerNotified { order: view.order });
        }
        Action::Reassign => {
            if fleet::reassign(sim, order, view.order) {
                sim.log.push(now, Record::CustomerNotified { order: view.order });
            }
        }
        Action::Cancel if open => orders::cancel(sim, order, false),
        Action::Tender { carrier } if open => {
            let policies::Approval { above_price: above, delay } = sim.policies.exceptions.approval();
            let price = sim.scenario.carriers.get(carrier.0 as usize).map_or(0.0, |c| c.price_per_order);
            if price > above {
                sim.log.push(now, Record::ApprovalRequested { order: view.order, carrier, price: Money(price) });
                sim.cal.schedule_in(delay, Event::TenderApproved { order: view.order, carrier: carrier.0 });
            } else {
                carriers::tender(sim, policies::Tender { order: view.order, carrier });
            }
        }
        Action::Cancel | Action::Tender { .. } => {} // the order is no longer waiting at its site
    }
}

pub(crate) fn on_tender_approved(sim: &mut Sim, order: OrderId, carrier: u32) {
    if orders::entity(sim, order).is_some_and(|o| orders::is_open(sim, o)) {
        carriers::tender(sim, policies::Tender { order, carrier: policies::CarrierId(carrier) });
    }
}

/// Predicts every trip's remaining stops from where it is, with expected times, and raises
/// `eta_risk` for stops predicted later than due plus the policy's threshold.
pub(crate) fn on_eta_check(sim: &mut Sim) {
    let policies::EtaCheck { every, risk_after: threshold } = sim.policies.exceptions.eta_check();
    sim.cal.schedule_in(every, Event::EtaCheck);
    if disruptions::active(sim, |d| matches!(d, crate::scenario::Effect::TelematicsDown)) {
        return; // no positions, no predictions: risks wait for the feed to come back
    }
    let mut at_risk: Vec<(Entity, f64)> = Vec::new();
    for &vehicle in &sim.world.resource::<fleet::Fleet>().vehicles {
        let (Some(v), Some(trip)) = (sim.world.get::<Vehicle>(vehicle), sim.world.get::<Trip>(vehicle)) else {
            continue;
        };
        if !trip.departed() {
            continue;
        }
        let stops: Vec<Entity> = trip.ahead().iter().map(|(s, _)| *s).collect();
        let starts = match trip.predicted_ahead(sim.now()) {
            Some(starts) => std::borrow::Cow::Borrowed(starts),
            None => std::borrow::Cow::Owned(predict(sim, v, trip, &stops)),
        };
        debug_assert_eq!(*starts, predict(sim, v, trip, &stops), "a prediction reused that no longer holds");
        for (stop, &start) in stops.iter().zip(starts.iter()) {
            let due = sim.world.get::<Order>(*stop).expect("order").due;
            if start > due + threshold && sim.world.get::<EtaRiskRaised>(*stop).is_none() {
                at_risk.push((*stop, start.since(due).as_min()));
            }
        }
    }
    for (order, late_min) in at_risk {
        sim.world.entity_mut(order).insert(EtaRiskRaised);
        raise(sim, ExceptionKind::EtaRisk, order, Some(late_min));
    }
}

/// How many stops are expected late, and their total expected lateness in ms.
fn lateness(sim: &Sim, stops: &[Entity], starts: &[Instant]) -> (usize, u64) {
    let late =
        stops.iter().zip(starts).map(|(s, t)| t.saturating_since(sim.world.get::<Order>(*s).expect("order").due).0);
    late.fold((0, 0), |(n, sum), l| (n + usize::from(l > 0), sum + l))
}

/// Re-orders the stops after the current leg of the vehicle carrying `order` by due time, if
/// that makes fewer stops late, or as many but less late in all.
fn resequence(sim: &mut Sim, order: OrderId) {
    let Some(vehicle) = fleet::carrying(sim, order) else { return };
    let (v, trip) =
        (sim.world.get::<Vehicle>(vehicle).expect("vehicle"), sim.world.get::<Trip>(vehicle).expect("trip"));
    let current: Vec<(Entity, OrderId)> = trip.ahead().to_vec();
    // The stop being driven to keeps its place.
    let fixed = usize::from(!matches!(trip.phase, Phase::Serving { .. })).min(current.len());
    let mut proposed = current.clone();
    proposed[fixed..].sort_by_key(|(s, id)| (sim.world.get::<Order>(*s).expect("order").due, *id));
    let entities = |list: &[(Entity, OrderId)]| list.iter().map(|(s, _)| *s).collect::<Vec<_>>();
    let (before, after) = (entities(&current), entities(&proposed));
    let (late_before, late_after) = (
        lateness(sim, &before, &predict(sim, v, trip, &before)),
        lateness(sim, &after, &predict(sim, v, trip, &after)),
    );
    if late_after >= late_before {
        return;
    }
    fleet::resequence(sim, vehicle, proposed, late_before.1.saturating_sub(late_after.1));
}

#[cfg(test)]
#[path = "tests/exceptions.rs"]
mod tests;
