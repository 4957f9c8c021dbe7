//! Unit tests of the carriers domain: daily capacity, shortages, and tenders, on tiny.toml's
//! world (one carrier: 10 orders a day, acceptance 0.9, pickup after 60 min) or a variation, with
//! the domains above not listening.

use bevy_ecs::entity::Entity;
use policies::{CarrierId, Duration, Instant, OrderId, Tender};

use super::{Carrier, CarrierUsage, Carriers, on_disruption, tender, views};
use crate::domain::{disruptions, orders};
use crate::engine::with_sim;
use crate::kernel::log::{Record, Rejection};
use crate::world::{Event, Sim};

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, min, records, tiny, tiny_with};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn capacity_left_counts_todays_tenders_only() {
    let spec = tiny().carriers[0].clone();
    let carrier = Carrier { id: CarrierId(0), spec, capacity_multiplier: 1.0, acceptance_drop: 0.0 };
    let usage = CarrierUsage { day: 0, accepted: 4 };
    assert_eq!(usage.left(&carrier, at_h(24.0) - Duration(1)), 6);
    assert_eq!(usage.left(&carrier, at_h(24.0)), 10, "a new day, a new count");
    assert_eq!(CarrierUsage { day: 1, accepted: 12 }.left(&carrier, at_h(30.0)), 0, "never below none");
    let short = Carrier { capacity_multiplier: 0.55, acceptance_drop: 0.3, ..carrier.clone() };
    assert_eq!(short.daily_capacity(), 5, "10 x 0.55, rounded down");
    assert_eq!(usage.left(&short, at_h(1.0)), 1);
    assert!(close(short.acceptance(), 0.6));
    assert_eq!(Carrier { acceptance_drop: 1.5, ..carrier }.acceptance(), 0.0, "never below zero");
}

/// Fires the disruptions' start and end, and the carriers' reaction (the signal's route), up to `t`.
fn advance(sim: &mut Sim, t: Instant) {
    common::advance(sim, t, |sim, event| {
        if let Event::Disruption { index, begins, end } = event {
            disruptions::on_disruption(sim, index, begins, end);
            on_disruption(sim, index);
        }
    });
}

#[test]
fn a_shortage_lowers_capacity_and_acceptance_while_it_lasts() {
    // Two shortages, 06:00-10:00 and 08:00-12:00: they compound while both last.
    let scenario = tiny_with(
        r#"
[[disruption]]
kind = "carrier_shortage"
capacity_multiplier = 0.5
acceptance_drop = 0.3
start_h = 6
duration_h = 4

[[disruption]]
kind = "carrier_shortage"
carriers = ["local-courier"]
capacity_multiplier = 0.5
acceptance_drop = 0.3
start_h = 8
duration_h = 4
"#,
    );
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        let mut seen = Vec::new();
        for h in [5.0, 7.0, 9.0, 11.0, 12.0] {
            advance(sim, at_h(h));
            let view = &views(sim)[0];
            seen.push((view.capacity_left_today, (view.acceptance_probability * 100.0).round()));
        }
        assert_eq!(seen, [(10, 90.0), (5, 60.0), (2, 30.0), (5, 60.0), (10, 90.0)]);
    });
}

/// A carrier that always accepts, once a day; fixed travel times.
const SURE: &str = r#"
[network]
travel_noise = { dist = "fixed", value = 1.0 }

[[carrier]]
name = "sure"
daily_capacity = 1
acceptance = 1.0
pickup_lead_min = 60
price_per_order = 45
"#;

/// A generated order of the depot, created now; ready (open) if `open`.
fn new_order(sim: &mut Sim, open: bool) -> (Entity, OrderId) {
    orders::on_arrival(sim, 0);
    let id = OrderId(orders::live(sim) as u64 - 1);
    let order = orders::entity(sim, id).expect("created");
    if open {
        orders::on_ready(sim, order);
    }
    (order, id)
}

fn state(sim: &Sim, order: Entity) -> orders::OrderState {
    *sim.world.get::<orders::OrderState>(order).expect("order")
}

fn accepted_today(sim: &Sim) -> u32 {
    sim.world.get::<CarrierUsage>(sim.world.resource::<Carriers>().entities[0]).unwrap().accepted
}

fn refusals(log: &[Record]) -> Vec<Rejection> {
    log.iter().filter_map(|r| if let Record::TenderRefused { reason, .. } = r { Some(*reason) } else { None }).collect()
}

#[test]
fn a_tender_is_refused_unless_the_order_is_open_and_the_carrier_has_room() {
    with_sim(&tiny_with(SURE), 1, |sim| {
        sim.router = |_, _| {};
        let log = records(sim);
        let carrier = CarrierId(0);
        let (pending, pending_id) = new_order(sim, false);
        tender(sim, Tender { order: pending_id, carrier });
        let (assigned, assigned_id) = new_order(sim, true);
        orders::assigned(sim, assigned);
        tender(sim, Tender { order: assigned_id, carrier });
        tender(sim, Tender { order: OrderId(99), carrier });
        let (open, open_id) = new_order(sim, true);
        tender(sim, Tender { order: open_id, carrier: CarrierId(1) });
        assert_eq!(
            refusals(&log.borrow()),
            [Rejection::OrderNotOpen, Rejection::OrderNotOpen, Rejection::UnknownOrder, Rejection::UnknownCarrier]
        );
        assert_eq!(
            (state(sim, pending), state(sim, assigned)),
            (orders::OrderState::Pending, orders::OrderState::Assigned)
        );
        assert_eq!(accepted_today(sim), 0);
        tender(sim, Tender { order: open_id, carrier });
        assert_eq!((state(sim, open), accepted_today(sim)), (orders::OrderState::Tendered, 1));
        // The carrier's one order of the day is taken.
        let (other, other_id) = new_order(sim, true);
        tender(sim, Tender { order: other_id, carrier });
        assert_eq!(refusals(&log.borrow()).last(), Some(&Rejection::CarrierFull));
        let o = sim.world.get::<orders::Order>(other).unwrap();
        assert_eq!((state(sim, other), o.rejected_tenders), (orders::OrderState::Open, 0), "full is no rejection");
    });
}

#[test]
fn an_accepted_order_is_delivered_after_pickup_and_the_drive() {
    with_sim(&tiny_with(SURE), 1, |sim| {
        sim.router = |_, _| {};
        let (order, id) = new_order(sim, true);
        tender(sim, Tender { order: id, carrier: CarrierId(0) });
        let o = sim.world.get::<orders::Order>(order).unwrap().clone();
        // 1.3 road km per km, at the carrier's 50 km/h; the unloading after it.
        let km = 1.3 * o.destination.x.hypot(o.destination.y);
        let arrives = sim.now() + min(60.0) + Duration((km / 50.0 * 3_600_000.0).round() as u64);
        let want = arrives.max(o.earliest) + o.service;
        let mut delivery = None;
        while let Some((t, event)) = sim.cal.pop() {
            if event == (Event::CarrierDelivery { order, carrier: 0 }) {
                delivery = Some(t);
            }
        }
        let got = delivery.expect("a delivery is scheduled");
        assert!(got.0.abs_diff(want.0) <= 1, "delivered at {got:?}, by hand {want:?}");
    });
}
