//! Third-party carriers: premium freight. A tendered order is accepted with the carrier's
//! acceptance probability while it has capacity left that day; the carrier picks it up after its
//! lead time and drives it straight to the customer.

use bevy_ecs::prelude::*;
use policies::{CarrierId, CarrierView, ExceptionKind, MS_PER_DAY, OrderId, Tender, TimeMs, TravelModel};
use rand::RngExt;

use super::orders::{self, Order, OrderState};
use crate::engine::{Engine, Event};
use crate::log::{Record, Rejection};
use crate::scenario::{CarrierSpec, Effect};

#[derive(Component, Clone, Debug)]
pub struct Carrier {
    pub id: CarrierId,
    pub spec: CarrierSpec,
    /// Carrier shortages under way: capacity multiplied, acceptance lowered.
    pub capacity_multiplier: f64,
    pub acceptance_drop: f64,
}

impl Carrier {
    pub fn daily_capacity(&self) -> u32 {
        (self.spec.daily_capacity as f64 * self.capacity_multiplier).floor() as u32
    }
    pub fn acceptance(&self) -> f64 {
        (self.spec.acceptance - self.acceptance_drop).max(0.0)
    }
}

/// Orders a carrier accepted on a given day; the count resets each day.
#[derive(Component, Clone, Debug, Default)]
pub struct CarrierUsage {
    pub day: u64,
    pub accepted: u32,
}

impl CarrierUsage {
    pub fn left(&self, carrier: &Carrier, now: TimeMs) -> u32 {
        if self.day == now.0 / MS_PER_DAY {
            carrier.daily_capacity().saturating_sub(self.accepted)
        } else {
            carrier.daily_capacity()
        }
    }
}

impl Carrier {
    /// The carrier as policies see it at `now`.
    pub fn view(&self, usage: &CarrierUsage, now: TimeMs) -> CarrierView {
        CarrierView {
            id: self.id,
            name: self.spec.name.clone(),
            capacity_left_today: usage.left(self, now),
            acceptance_probability: self.acceptance(),
            pickup_lead: self.spec.pickup_lead,
            price_per_order: self.spec.price_per_order,
            speed_kmh: self.spec.speed_kmh,
        }
    }
}

/// Every carrier as policies see it now, by id.
pub(crate) fn views(e: &Engine) -> Vec<CarrierView> {
    let now = e.now();
    e.carriers
        .iter()
        .map(|&c| {
            e.world.get::<Carrier>(c).expect("carrier").view(e.world.get::<CarrierUsage>(c).expect("carrier"), now)
        })
        .collect()
}

pub(crate) fn spawn(e: &mut Engine) {
    for (i, spec) in e.scenario.carriers.iter().enumerate() {
        let carrier =
            Carrier { id: CarrierId(i as u32), spec: spec.clone(), capacity_multiplier: 1.0, acceptance_drop: 0.0 };
        e.carriers.push(e.world.spawn((carrier, CarrierUsage::default())).id());
    }
}

/// Offers an order to a carrier; a tender the world cannot honour is refused and logged.
pub(crate) fn tender(e: &mut Engine, tender: Tender) {
    let now = e.now();
    let refuse = |e: &mut Engine, reason| {
        e.log.push(now, Record::TenderRefused { order: tender.order, carrier: tender.carrier, reason });
    };
    let Some(&carrier) = e.carriers.get(tender.carrier.0 as usize) else { return refuse(e, Rejection::UnknownCarrier) };
    let Some(&order) = e.orders.get(&tender.order) else { return refuse(e, Rejection::UnknownOrder) };
    if *e.world.get::<OrderState>(order).expect("order") != OrderState::Open {
        return refuse(e, Rejection::OrderNotOpen);
    }
    if super::disruptions::active(e, |d| matches!(d, Effect::BookingDown)) {
        // The booking interface is down: the tender fails like a rejection.
        refuse(e, Rejection::BookingDown);
        e.world.get_mut::<Order>(order).expect("order").rejected_tenders += 1;
        return super::exceptions::raise(e, ExceptionKind::TenderRejected, order, None);
    }
    let (c, acceptance) = {
        let c = e.world.get::<Carrier>(carrier).expect("carrier");
        (c.spec.clone(), c.acceptance())
    };
    if e.world
        .get::<CarrierUsage>(carrier)
        .expect("carrier")
        .left(e.world.get::<Carrier>(carrier).expect("carrier"), now)
        == 0
    {
        return refuse(e, Rejection::CarrierFull);
    }
    let rng = &mut e.rng.carrier[tender.carrier.0 as usize];
    let accepted = rng.random::<f64>() < acceptance;
    let noise = e.scenario.travel_noise.sample(rng);
    if !accepted {
        e.log.push(now, Record::TenderRejected { order: tender.order, carrier: tender.carrier });
        e.world.get_mut::<Order>(order).expect("order").rejected_tenders += 1;
        super::exceptions::raise(e, ExceptionKind::TenderRejected, order, None);
        return;
    }
    let mut usage = e.world.get_mut::<CarrierUsage>(carrier).expect("carrier");
    if usage.day != now.0 / MS_PER_DAY {
        *usage = CarrierUsage { day: now.0 / MS_PER_DAY, accepted: 0 };
    }
    usage.accepted += 1;
    *e.world.get_mut::<OrderState>(order).expect("order") = OrderState::Tendered;
    orders::withdraw_cancel(e, order);
    e.log.push(now, Record::TenderAccepted { order: tender.order, carrier: tender.carrier });
    let o = e.world.get::<Order>(order).expect("order");
    let site = e.site_points[o.site as usize];
    let km = e.scenario.travel.distance_prepared(&site, &o.point);
    let transit = TravelModel::sampled_leg_round(km, c.speed_kmh, 1.0, noise);
    let start = (now + c.pickup_lead + transit).max(o.earliest);
    e.cal.schedule(start + o.service, Event::CarrierDelivery { order, carrier: tender.carrier.0 });
}

pub(crate) fn on_delivery(e: &mut Engine, order: Entity, carrier: u32) {
    let now = e.now();
    let o = e.world.get::<Order>(order).expect("a tendered order stays until delivered");
    let (id, created, due, service_start): (OrderId, _, _, _) = (o.id, o.created, o.due, now - o.service);
    e.log.push(now, Record::CarrierDelivered { order: id, carrier: CarrierId(carrier), created, due, service_start });
    e.orders.remove(&id);
    e.world.despawn(order);
}
