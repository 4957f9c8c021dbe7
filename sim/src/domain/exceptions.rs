//! Exceptions and the dispatcher team.
//!
//! Exceptions are detected here and in the other domains (ETA risk by periodic checks of the trips
//! on the road, tender rejections, failed deliveries, routes given up at the doors), classified
//! and triaged by the scenario's exception policy, and either resolved at once or queued for the
//! dispatchers: a team of `count` people working daily `hours`, taking the most severe, then
//! oldest, exception first, each for a sampled handling time.

use bevy_ecs::prelude::*;
use policies::{Action, ExceptionKind, ExceptionView, OrderId, Severity, SiteId, TimeMs, Triage};

use super::carriers;
use super::fleet::{self, Trip, Vehicle, ahead, predict};
use super::orders::{self, Order, OrderState};
use crate::engine::{Engine, Event};
use crate::log::Record;

/// An escalated exception waiting for, or in the hands of, a dispatcher.
#[derive(Component, Clone, Debug)]
pub struct Escalated {
    pub view: ExceptionView,
    pub severity: Severity,
}

/// The dispatcher team's queue, on its own entity.
#[derive(Component, Default, Debug)]
pub struct Desk {
    /// Dispatchers handling an exception right now; never more than the team.
    pub busy: u32,
    pub queue: Vec<Entity>,
}

/// Orders with an ETA-risk exception raised already (one per order).
#[derive(Component)]
pub struct EtaRiskRaised;

pub(crate) fn start(e: &mut Engine) {
    e.desk = e.world.spawn(Desk::default()).id();
    e.cal.schedule(e.exception_policy.eta_check().every, Event::EtaCheck);
    let hours = e.scenario.dispatchers.hours;
    if !hours.is_always() {
        let first = if hours.open_ms == 0 { policies::MS_PER_DAY } else { hours.open_ms };
        e.cal.schedule(TimeMs(first), Event::DeskOpen);
    }
}

/// Expected lateness in minutes of an order sent straight to its customer now.
fn exposure_min(e: &Engine, o: &Order) -> f64 {
    let km = e.scenario.travel.distance_prepared(&e.site_points[o.site as usize], &o.point);
    let direct = TimeMs((km / 50.0 * policies::MS_PER_HOUR as f64) as u64);
    (e.now() + direct).max(o.earliest).saturating_sub(o.due).as_min()
}

/// Raises an exception about `order`, expected `late_min` minutes late if nothing is done.
pub(crate) fn raise(e: &mut Engine, kind: ExceptionKind, order: Entity, late_min: Option<f64>) {
    let now = e.now();
    let Some(o) = e.world.get::<Order>(order) else { return };
    let open = e.world.get::<OrderState>(order).is_some_and(|s| *s == OrderState::Open);
    let stranded = fleet::stranded_with(e, o.id).is_some();
    let km = e.scenario.travel.distance_prepared(&e.site_points[o.site as usize], &o.point);
    let view = ExceptionView {
        id: e.next_exception_id,
        kind,
        detected: now,
        order: o.id,
        site: SiteId(o.site),
        due: o.due,
        priority: o.priority,
        value: o.value,
        late_min: late_min.unwrap_or_else(|| exposure_min(e, o)),
        order_open: open,
        stranded,
        distance_km: km,
        rejected_tenders: o.rejected_tenders,
    };
    e.next_exception_id += 1;
    let severity = e.exception_policy.classify(&view);
    e.log.push(
        now,
        Record::ExceptionRaised {
            exception: view.id,
            exception_kind: kind,
            order: view.order,
            severity,
            due: view.due,
        },
    );
    let carriers = carriers::views(e);
    match e.exception_policy.triage(&view, severity, &carriers) {
        Triage::Auto(action) => {
            apply(e, &view, action);
            e.log.push(now, Record::ExceptionResolved { exception: view.id, action, manual: false, detected: now });
        }
        Triage::Escalate => {
            e.log.push(now, Record::ExceptionEscalated { exception: view.id });
            let entity = e.world.spawn(Escalated { view, severity }).id();
            e.world.get_mut::<Desk>(e.desk).expect("desk").queue.push(entity);
            start_handling(e);
        }
    }
}

/// Dispatchers free and on duty take the most severe, then oldest, exceptions.
fn start_handling(e: &mut Engine) {
    let now = e.now();
    let team = &e.scenario.dispatchers;
    if !team.hours.contains(now) {
        return;
    }
    loop {
        let desk = e.world.get::<Desk>(e.desk).expect("desk");
        if desk.busy >= team.count || desk.queue.is_empty() {
            return;
        }
        let key = |x: &Entity| {
            let esc = e.world.get::<Escalated>(*x).expect("escalated");
            (std::cmp::Reverse(esc.severity), esc.view.detected, esc.view.id)
        };
        let (at, _) = desk.queue.iter().enumerate().min_by_key(|(_, x)| key(x)).expect("not empty");
        let mut desk = e.world.get_mut::<Desk>(e.desk).expect("desk");
        let exception = desk.queue.swap_remove(at);
        desk.busy += 1;
        let minutes = team.handling_min.sample(&mut e.rng.desk);
        e.cal.schedule_in(TimeMs::from_min(minutes), Event::ExceptionHandled { exception });
    }
}

pub(crate) fn on_desk_open(e: &mut Engine) {
    start_handling(e);
    e.cal.schedule_in(TimeMs(policies::MS_PER_DAY), Event::DeskOpen);
}

pub(crate) fn on_handled(e: &mut Engine, exception: Entity) {
    let now = e.now();
    let Escalated { mut view, severity } = e.world.entity_mut(exception).take::<Escalated>().expect("escalated");
    e.world.despawn(exception);
    e.world.get_mut::<Desk>(e.desk).expect("desk").busy -= 1;
    // The world may have moved on while the exception waited.
    let order = e.orders.get(&view.order).copied();
    let action = match order {
        None => Action::Wait, // delivered or cancelled meanwhile
        Some(order) => {
            let o = e.world.get::<Order>(order).expect("order");
            view.order_open = e.world.get::<OrderState>(order).is_some_and(|s| *s == OrderState::Open);
            view.stranded = fleet::stranded_with(e, view.order).is_some();
            view.rejected_tenders = o.rejected_tenders;
            let carriers = carriers::views(e);
            e.exception_policy.resolve(&view, severity, &carriers)
        }
    };
    apply(e, &view, action);
    e.log.push(now, Record::ExceptionResolved { exception: view.id, action, manual: true, detected: view.detected });
    start_handling(e);
}

/// Carries out an action on the exception's order, if it still applies.
fn apply(e: &mut Engine, view: &ExceptionView, action: Action) {
    let now = e.now();
    let Some(&order) = e.orders.get(&view.order) else { return };
    let open = e.world.get::<OrderState>(order).is_some_and(|s| *s == OrderState::Open);
    match action {
        Action::Wait => {}
        Action::Notify => e.log.push(now, Record::CustomerNotified { order: view.order }),
        Action::Resequence => {
            resequence(e, view.order);
            e.log.push(now, Record::CustomerNotified { order: view.order });
        }
        Action::Reassign => {
            if fleet::reassign(e, order, view.order) {
                e.log.push(now, Record::CustomerNotified { order: view.order });
            }
        }
        Action::Cancel if open => orders::cancel(e, order, false),
        Action::Tender { carrier } if open => {
            let policies::Approval { above_price: above, delay } = e.exception_policy.approval();
            let price = e.scenario.carriers.get(carrier.0 as usize).map_or(0.0, |c| c.price_per_order);
            if price > above {
                e.log.push(now, Record::ApprovalRequested { order: view.order, carrier });
                e.cal.schedule_in(delay, Event::TenderApproved { order: view.order, carrier: carrier.0 });
            } else {
                carriers::tender(e, policies::Tender { order: view.order, carrier });
            }
        }
        Action::Cancel | Action::Tender { .. } => {} // the order is no longer waiting at its site
    }
}

pub(crate) fn on_tender_approved(e: &mut Engine, order: OrderId, carrier: u32) {
    let open =
        e.orders.get(&order).is_some_and(|o| e.world.get::<OrderState>(*o).is_some_and(|s| *s == OrderState::Open));
    if open {
        carriers::tender(e, policies::Tender { order, carrier: policies::CarrierId(carrier) });
    }
}

/// Predicts every trip's remaining stops from where it is, with expected times, and raises
/// `eta_risk` for stops predicted later than due plus the policy's threshold.
pub(crate) fn on_eta_check(e: &mut Engine) {
    let policies::EtaCheck { every, risk_after: threshold } = e.exception_policy.eta_check();
    e.cal.schedule_in(every, Event::EtaCheck);
    if super::disruptions::active(e, |d| matches!(d, crate::scenario::Effect::TelematicsDown)) {
        return; // no positions, no predictions: risks wait for the feed to come back
    }
    let mut at_risk: Vec<(Entity, f64)> = Vec::new();
    for &vehicle in &e.vehicles {
        let (Some(v), Some(trip)) = (e.world.get::<Vehicle>(vehicle), e.world.get::<Trip>(vehicle)) else { continue };
        if !trip.departed || trip.aborted {
            continue;
        }
        let stops: Vec<Entity> = ahead(trip).iter().map(|(s, _)| *s).collect();
        for (stop, start) in stops.iter().zip(predict(e, v, trip, &stops)) {
            let due = e.world.get::<Order>(*stop).expect("order").due;
            if start > due + threshold && e.world.get::<EtaRiskRaised>(*stop).is_none() {
                at_risk.push((*stop, (start - due).as_min()));
            }
        }
    }
    for (order, late_min) in at_risk {
        e.world.entity_mut(order).insert(EtaRiskRaised);
        raise(e, ExceptionKind::EtaRisk, order, Some(late_min));
    }
}

/// How many stops are expected late, and their total expected lateness in ms.
fn lateness(e: &Engine, stops: &[Entity], starts: &[TimeMs]) -> (usize, u64) {
    let late = stops.iter().zip(starts).map(|(s, t)| (*t - e.world.get::<Order>(*s).expect("order").due).0);
    late.fold((0, 0), |(n, sum), l| (n + usize::from(l > 0), sum + l))
}

/// Re-orders the stops after the current leg of the vehicle carrying `order` by due time, if
/// that makes fewer stops late, or as many but less late in all.
fn resequence(e: &mut Engine, order: OrderId) {
    let now = e.now();
    let Some(vehicle) = fleet::carrying(e, order) else { return };
    let (v, trip) = (e.world.get::<Vehicle>(vehicle).expect("vehicle"), e.world.get::<Trip>(vehicle).expect("trip"));
    let current: Vec<(Entity, OrderId)> = ahead(trip).to_vec();
    // The stop being driven to keeps its place.
    let fixed = usize::from(!trip.serving).min(current.len());
    let mut proposed = current.clone();
    proposed[fixed..].sort_by_key(|(s, id)| (e.world.get::<Order>(*s).expect("order").due, *id));
    let entities = |list: &[(Entity, OrderId)]| list.iter().map(|(s, _)| *s).collect::<Vec<_>>();
    let (before, after) = (entities(&current), entities(&proposed));
    let (late_before, late_after) =
        (lateness(e, &before, &predict(e, v, trip, &before)), lateness(e, &after, &predict(e, v, trip, &after)));
    if late_after >= late_before {
        return;
    }
    let id = v.id;
    let mut trip = e.world.get_mut::<Trip>(vehicle).expect("trip");
    let start = trip.stops.len() - proposed.len();
    trip.stops.truncate(start);
    trip.stops.extend(proposed);
    e.log.push(now, Record::RouteResequenced { vehicle: id, saved_ms: late_before.1.saturating_sub(late_after.1) });
    super::fleet::refresh_back(e, vehicle);
}
