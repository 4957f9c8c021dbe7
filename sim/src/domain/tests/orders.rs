//! Unit tests of the orders domain: arrivals (a Poisson process sampled by inversion), and an
//! order's life from created to delivered or cancelled, on tiny.toml's world (customers cancel
//! 480 min after due) with the domains above not listening and only the orders' events fired.

use bevy_ecs::entity::Entity;
use policies::{Duration, Instant, MS_PER_DAY, MS_PER_HOUR, OrderId, Point, VehicleId};
use rand_distr::{Distribution, Exp1};

use super::{
    CancelDeadline, Order, OrderState, Orders, assigned, cancel, create, delivered, entity, live, loaded, next_arrival,
    on_cancel, on_ready, returned,
};
use crate::engine::with_sim;
use crate::kernel::log::TripId;
use crate::kernel::rng::{Rng, Stream, stream_rng};
use crate::world::{Event, Sim};

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, min, tiny};

const H: u64 = MS_PER_HOUR;

fn rng(i: u64) -> Rng {
    stream_rng(7, i, Stream::Demand(0))
}

#[test]
fn zero_rates_give_no_arrival() {
    let surge = [(Instant::START, Instant(10 * H), 3.0)];
    assert_eq!(next_arrival(&[0.0; 24], &[], Instant::START, &mut rng(0)), None);
    assert_eq!(next_arrival(&[0.0; 24], &surge, Instant::START, &mut rng(0)), None, "a surge multiplies nothing");
}

#[test]
fn arrivals_fall_in_the_hours_that_have_a_rate() {
    let mut rates = [0.0; 24];
    rates[5] = 2.0;
    for i in 0..100 {
        let from = Instant(i * 600_000); // every 10 min from midnight to 16:30
        let t = next_arrival(&rates, &[], from, &mut rng(i)).unwrap();
        assert!(t >= from, "{t:?} before {from:?}");
        assert_eq!(t.0 % MS_PER_DAY / H, 5, "an arrival at {t:?} outside 05:00-06:00");
        if from.0 >= 6 * H {
            assert!(t.0 >= MS_PER_DAY, "after 06:00 the next is tomorrow, not {t:?}");
        }
    }
}

/// One rate all day (1 an hour), doubled by a surge from 01:30 to 02:15: the arrival is where the
/// cumulative intensity reaches the Exp(1) draw, computed here by hand.
#[test]
fn a_surge_multiplies_the_rate_within_its_window_only() {
    let surge = [(at_h(1.5), at_h(2.25), 2.0)];
    // Cumulative intensity at t hours: t until 1.5, then 2 an hour until 2.25 (3.0 by then), then 1.
    let invert = |need: f64| match need {
        n if n <= 1.5 => n,
        n if n <= 3.0 => 1.5 + (n - 1.5) / 2.0,
        n => 2.25 + (n - 3.0),
    };
    let mut in_window = 0;
    for i in 0..300 {
        let need: f64 = Exp1.sample(&mut rng(i));
        in_window += usize::from((1.5..3.0).contains(&need));
        let t = next_arrival(&[1.0; 24], &surge, Instant::START, &mut rng(i)).unwrap();
        let want = invert(need) * H as f64;
        assert!((t.0 as f64 - want).abs() <= 2.0, "draw {need}: arrival {t:?}, by hand {want} ms");
    }
    assert!(in_window > 20, "the draws reach into the window ({in_window})");
}

/// An order of tiny's depot, created now: ready at `ready_min`, due at `due_min`.
fn order(sim: &Sim, ready_min: f64, due_min: f64) -> Order {
    let destination = Point { x: 3.0, y: 4.0 };
    Order {
        id: OrderId(sim.world.resource::<Orders>().next_id),
        reference: None,
        site: 0,
        destination,
        point: sim.scenario.travel.prepare(destination),
        size: 2,
        created: sim.now(),
        ready: Instant::at(min(ready_min)),
        earliest: Instant::at(min(ready_min)),
        due: Instant::at(min(due_min)),
        priority: 0,
        value: 100.0,
        service: min(6.0),
        service_expected: min(6.0),
        service_max: min(12.0),
        rejected_tenders: 0,
    }
}

fn new_order(sim: &mut Sim, ready_min: f64, due_min: f64) -> Entity {
    let o = order(sim, ready_min, due_min);
    let id = o.id;
    create(sim, o);
    entity(sim, id).expect("live")
}

/// Fires the orders' own events (ready, the customer's deadline) up to `t`; drops the others.
fn advance(sim: &mut Sim, t: Instant) {
    common::advance(sim, t, |sim, event| match event {
        Event::OrderReady { order } => on_ready(sim, order),
        Event::OrderCancel { order } => on_cancel(sim, order),
        _ => {}
    });
}

fn state(sim: &Sim, order: Entity) -> Option<OrderState> {
    sim.world.get::<OrderState>(order).copied()
}

#[test]
fn an_order_from_created_to_delivered() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        let (a, b) = (new_order(sim, 30.0, 120.0), new_order(sim, 45.0, 120.0));
        let id = sim.world.get::<Order>(a).unwrap().id;
        assert_eq!((state(sim, a), live(sim)), (Some(OrderState::Pending), 2));
        advance(sim, Instant::at(min(29.0)));
        assert_eq!(state(sim, a), Some(OrderState::Pending));
        advance(sim, Instant::at(min(30.0)));
        assert_eq!((state(sim, a), state(sim, b)), (Some(OrderState::Open), Some(OrderState::Pending)));
        assigned(sim, a);
        assert_eq!(state(sim, a), Some(OrderState::Assigned));
        loaded(sim, a, VehicleId(0), TripId(0));
        assert_eq!(state(sim, a), Some(OrderState::OnBoard));
        advance(sim, Instant::at(min(100.0)));
        delivered(sim, a, VehicleId(0), TripId(0), min(6.0));
        assert!(entity(sim, id).is_none() && sim.world.get_entity(a).is_err(), "a delivered order leaves the world");
        assert_eq!(live(sim), 1);
    });
}

#[test]
fn routing_withdraws_the_deadline_and_a_return_schedules_it_again() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        // Due at 02:00: the customer cancels at 10:00 if it is not routed by then.
        let (a, b) = (new_order(sim, 30.0, 120.0), new_order(sim, 30.0, 120.0));
        advance(sim, at_h(1.0));
        assigned(sim, a);
        assigned(sim, b);
        assert!(sim.world.get::<CancelDeadline>(a).is_none());
        advance(sim, at_h(3.0));
        let id = sim.world.get::<Order>(a).unwrap().id;
        returned(sim, a, id);
        assert_eq!(state(sim, a), Some(OrderState::Open));
        assert!(sim.world.get::<CancelDeadline>(a).is_some(), "the customer may cancel again");
        advance(sim, at_h(10.0) - Duration(1));
        assert_eq!(state(sim, a), Some(OrderState::Open));
        advance(sim, at_h(10.0));
        assert_eq!(state(sim, a), None, "cancelled at its deadline, due + 480 min");
        // `b`'s deadline was withdrawn: it would have fired at 10:00 (and the handler refuses a routed order).
        advance(sim, at_h(11.0));
        assert_eq!((state(sim, b), live(sim)), (Some(OrderState::Assigned), 1));
        // Returned after its deadline: the customer cancels at once.
        let id = sim.world.get::<Order>(b).unwrap().id;
        returned(sim, b, id);
        advance(sim, at_h(11.0));
        assert_eq!((state(sim, b), live(sim)), (None, 0));
    });
}

#[test]
fn a_dispatchers_cancellation_withdraws_the_customers_deadline() {
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        let (a, b) = (new_order(sim, 30.0, 120.0), new_order(sim, 30.0, 120.0));
        advance(sim, at_h(1.0));
        let pending = sim.cal.len();
        cancel(sim, a, false);
        assert_eq!(sim.cal.len(), pending - 1, "its deadline is withdrawn");
        assert_eq!((state(sim, a), live(sim)), (None, 1));
        // Had the deadline stayed, it would fire at 10:00 for an order that is gone (and panic).
        advance(sim, at_h(10.0));
        assert_eq!((state(sim, b), live(sim)), (None, 0), "the other one's deadline stands");
    });
}
