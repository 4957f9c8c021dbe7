//! Third-party carriers: premium freight. A tendered order is accepted with the carrier's
//! acceptance probability while it has capacity left that day; the carrier picks it up after its
//! lead time and drives it straight to the customer.

use bevy_ecs::prelude::*;
use policies::{CarrierId, CarrierView, ExceptionKind, Instant, MS_PER_DAY, Tender, TravelModel};
use rand::RngExt;

use super::{disruptions, docks, orders};
use crate::kernel::log::{Money, Record, Rejection};
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::scenario::{CarrierSpec, Effect};
use crate::world::{Event, Sim, ViewClock};

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
    pub fn left(&self, carrier: &Carrier, now: Instant) -> u32 {
        if self.day == now.0 / MS_PER_DAY {
            carrier.daily_capacity().saturating_sub(self.accepted)
        } else {
            carrier.daily_capacity()
        }
    }
}

impl Carrier {
    /// The carrier as policies see it at `now`.
    pub fn view(&self, usage: &CarrierUsage, now: Instant) -> CarrierView {
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

/// The carriers by index (the ids policies see), and their random streams (acceptance, transit).
#[derive(Resource)]
pub(crate) struct Carriers {
    entities: Vec<Entity>,
    streams: Vec<Rng>,
}

/// Every carrier as policies see it now, by id.
pub(crate) fn views(sim: &Sim) -> Vec<CarrierView> {
    let now = sim.now();
    sim.world
        .resource::<Carriers>()
        .entities
        .iter()
        .map(|&c| {
            sim.world.get::<Carrier>(c).expect("carrier").view(sim.world.get::<CarrierUsage>(c).expect("carrier"), now)
        })
        .collect()
}

pub(crate) fn spawn(sim: &mut Sim) {
    sim.world.init_resource::<CarrierViews>();
    let (scenario, seed, rep) = (sim.scenario, sim.seed, sim.replication as u64);
    let streams = (0..scenario.carriers.len() as u32).map(|i| stream_rng(seed, rep, Stream::Carrier(i))).collect();
    let mut entities = Vec::with_capacity(scenario.carriers.len());
    for (i, spec) in scenario.carriers.iter().enumerate() {
        let carrier =
            Carrier { id: CarrierId(i as u32), spec: spec.clone(), capacity_multiplier: 1.0, acceptance_drop: 0.0 };
        entities.push(sim.world.spawn((carrier, CarrierUsage::default())).id());
    }
    sim.world.insert_resource(Carriers { entities, streams });
}

/// Offers an order to a carrier; a tender the world cannot honour is refused and logged.
pub(crate) fn tender(sim: &mut Sim, tender: Tender) {
    let now = sim.now();
    let refuse = |sim: &mut Sim, reason| {
        sim.log.push(now, Record::TenderRefused { order: tender.order, carrier: tender.carrier, reason });
    };
    let Some(&carrier) = sim.world.resource::<Carriers>().entities.get(tender.carrier.0 as usize) else {
        return refuse(sim, Rejection::UnknownCarrier);
    };
    let Some(order) = orders::entity(sim, tender.order) else { return refuse(sim, Rejection::UnknownOrder) };
    if !orders::is_open(sim, order) {
        return refuse(sim, Rejection::OrderNotOpen);
    }
    if disruptions::active(sim, |d| matches!(d, Effect::BookingDown)) {
        // The booking interface is down: the tender fails like a rejection.
        refuse(sim, Rejection::BookingDown);
        orders::tender_rejected(sim, order);
        return sim.raise(ExceptionKind::TenderRejected, order, None);
    }
    let (c, acceptance, left) = {
        let c = sim.world.get::<Carrier>(carrier).expect("carrier");
        (c.spec.clone(), c.acceptance(), sim.world.get::<CarrierUsage>(carrier).expect("carrier").left(c, now))
    };
    if left == 0 {
        return refuse(sim, Rejection::CarrierFull);
    }
    let rng = &mut sim.world.resource_mut::<Carriers>().into_inner().streams[tender.carrier.0 as usize];
    let accepted = rng.random::<f64>() < acceptance;
    let noise = sim.scenario.travel_noise.sample(rng);
    if !accepted {
        sim.log.push(now, Record::TenderRejected { order: tender.order, carrier: tender.carrier });
        orders::tender_rejected(sim, order);
        sim.raise(ExceptionKind::TenderRejected, order, None);
        return;
    }
    let mut usage = sim.world.get_mut::<CarrierUsage>(carrier).expect("carrier");
    if usage.day != now.0 / MS_PER_DAY {
        *usage = CarrierUsage { day: now.0 / MS_PER_DAY, accepted: 0 };
    }
    usage.accepted += 1;
    orders::tendered(sim, order);
    let price = Money(c.price_per_order);
    sim.log.push(now, Record::TenderAccepted { order: tender.order, carrier: tender.carrier, price });
    let o = sim.world.get::<orders::Order>(order).expect("order");
    let site = docks::point(sim, o.site);
    let km = sim.scenario.travel.distance_prepared(&site, &o.point);
    let transit = TravelModel::sampled_leg_round(km, c.speed_kmh, 1.0, noise);
    let start = (now + c.pickup_lead + transit).max(o.earliest);
    sim.cal.schedule(start + o.service, Event::CarrierDelivery { order, carrier: tender.carrier.0 });
}

pub(crate) fn on_delivery(sim: &mut Sim, order: Entity, carrier: u32) {
    orders::carrier_delivered(sim, order, CarrierId(carrier));
}

/// A carrier shortage sets the capacity multiplier and acceptance drop of every carrier from the
/// shortages under way, at its start and at its end.
pub(crate) fn on_disruption(sim: &mut Sim, index: u32) {
    if !matches!(sim.scenario.disruptions[index as usize].effect, Effect::CarrierShortage { .. }) {
        return;
    }
    for c in 0..sim.scenario.carriers.len() {
        let (capacity, drop) = disruptions::carrier_shortage(sim, c as u32);
        let entity = sim.world.resource::<Carriers>().entities[c];
        let mut carrier = sim.world.get_mut::<Carrier>(entity).expect("carrier");
        (carrier.capacity_multiplier, carrier.acceptance_drop) = (capacity, drop);
    }
}

/// The carriers as the allocation policy sees them, by id (written by [`carrier_views`]).
#[derive(Resource, Default)]
pub struct CarrierViews(pub Vec<CarrierView>);

/// View system: each carrier's capacity left today, acceptance, lead time and price.
pub(crate) fn carrier_views(
    mut out: ResMut<CarrierViews>,
    clock: Res<ViewClock>,
    carriers: Query<(&Carrier, &CarrierUsage)>,
) {
    let views = &mut out.0;
    views.clear();
    views.extend(carriers.iter().map(|(c, u)| c.view(u, clock.0)));
    views.sort_unstable_by_key(|c| c.id);
}

#[cfg(test)]
#[path = "tests/carriers.rs"]
mod tests;
