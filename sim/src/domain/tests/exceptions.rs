//! Unit tests of the exceptions domain: the dispatchers' desk, on tiny.toml's world with every
//! exception escalated (the `always_escalate` policy, whose severities are the rule-based ones:
//! high from 60 min late, critical from 180) and only the desk's events fired.

use bevy_ecs::entity::Entity;
use policies::{Action, Duration, ExceptionKind, Instant, OrderId, Point};

use super::{Desk, Escalated, on_desk_open, on_handled, raise};
use crate::domain::orders::{self, Order, OrderState};
use crate::engine::with_sim;
use crate::kernel::log::Record;
use crate::world::{Event, Sim};

// Each test module includes it: of its helpers, each uses some.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;
use common::{at_h, records, tiny, tiny_with};

const ESCALATE: &str = r#"
[exceptions]
kind = "always_escalate"
"#;

/// Fires the desk's own events (opening, exceptions handled) up to `t`; drops the others. Returns
/// the orders of the exceptions handled, in turn.
fn advance(sim: &mut Sim, t: Instant) -> Vec<OrderId> {
    let mut handled = Vec::new();
    common::advance(sim, t, |sim, event| match event {
        Event::DeskOpen => on_desk_open(sim),
        Event::ExceptionHandled { exception } => {
            handled.push(sim.world.get::<Escalated>(exception).expect("escalated").view.order);
            on_handled(sim, exception);
        }
        _ => {}
    });
    handled
}

/// An order waiting at tiny's depot, 5 km out, of no priority and little value (so its
/// exceptions are as severe as their lateness says); not in the order book.
fn order(sim: &mut Sim, id: u64) -> Entity {
    let destination = Point { x: 3.0, y: 4.0 };
    let o = Order {
        id: OrderId(id),
        reference: None,
        site: 0,
        destination,
        point: sim.scenario.travel.prepare(destination),
        size: 1,
        created: Instant::START,
        ready: Instant::START,
        earliest: Instant::START,
        due: at_h(20.0),
        priority: 0,
        value: 10.0,
        service: Duration::ZERO,
        service_expected: Duration::ZERO,
        service_max: Duration::ZERO,
        rejected_tenders: 0,
    };
    sim.world.spawn((o, OrderState::Open)).id()
}

#[test]
fn the_desk_takes_the_most_severe_then_the_oldest_first() {
    // One dispatcher, 09:00-17:00, 10 min an exception.
    let scenario = tiny_with(&format!(
        r#"{ESCALATE}
[dispatchers]
count = 1
hours = ["09:00", "17:00"]
handling_min = {{ dist = "fixed", value = 10 }}
"#
    ));
    with_sim(&scenario, 1, |sim| {
        sim.router = |_, _| {};
        // Raised one an hour from 01:00: low, high, low, critical, high.
        for (i, late) in [0.0, 90.0, 0.0, 200.0, 61.0].into_iter().enumerate() {
            advance(sim, at_h(1.0 + i as f64));
            let o = order(sim, i as u64);
            raise(sim, ExceptionKind::FailedDelivery, o, Some(late));
        }
        let desk = sim.world.resource::<Desk>();
        assert_eq!((desk.busy, desk.queue.len()), (0, 5), "nobody at the desk before 09:00");
        assert!(advance(sim, at_h(9.0)).is_empty());
        assert_eq!(sim.world.resource::<Desk>().busy, 1);
        let handled = advance(sim, at_h(10.0));
        assert_eq!(handled, [3, 1, 4, 0, 2].map(OrderId));
        let desk = sim.world.resource::<Desk>();
        assert_eq!((desk.busy, desk.queue.len()), (0, 0));
    });
}

#[test]
fn a_dispatcher_takes_an_exception_at_once_when_free() {
    // The default team: one dispatcher, always there.
    with_sim(&tiny_with(ESCALATE), 1, |sim| {
        sim.router = |_, _| {};
        let (a, b) = (order(sim, 0), order(sim, 1));
        raise(sim, ExceptionKind::FailedDelivery, a, Some(0.0));
        let desk = sim.world.resource::<Desk>();
        assert_eq!((desk.busy, desk.queue.len()), (1, 0));
        raise(sim, ExceptionKind::FailedDelivery, b, Some(0.0));
        let desk = sim.world.resource::<Desk>();
        assert_eq!((desk.busy, desk.queue.len()), (1, 1), "the second waits for the dispatcher");
        // An exception about an order that is not there is not raised at all.
        let nothing = sim.world.spawn_empty().id();
        raise(sim, ExceptionKind::FailedDelivery, nothing, Some(0.0));
        assert_eq!(sim.world.resource::<Desk>().queue.len(), 1);
    });
    // Low exceptions under the rule-based policy are resolved at once, never queued.
    with_sim(&tiny(), 1, |sim| {
        sim.router = |_, _| {};
        let log = records(sim);
        let a = order(sim, 0);
        raise(sim, ExceptionKind::FailedDelivery, a, Some(0.0));
        let desk = sim.world.resource::<Desk>();
        assert_eq!((desk.busy, desk.queue.len()), (0, 0));
        assert!(log.borrow().iter().any(|r| matches!(r, Record::ExceptionResolved { manual: false, .. })));
    });
}

/// The action the dispatcher took on an exception raised about a live open order, which is
/// cancelled in the meantime if `gone`.
fn resolved(gone: bool) -> Action {
    with_sim(&tiny_with(ESCALATE), 1, |sim| {
        sim.router = |_, _| {};
        let log = records(sim);
        orders::on_arrival(sim, 0);
        let order = orders::entity(sim, OrderId(0)).expect("created");
        orders::on_ready(sim, order);
        raise(sim, ExceptionKind::FailedDelivery, order, Some(0.0));
        if gone {
            orders::cancel(sim, order, false);
        }
        assert_eq!(advance(sim, at_h(24.0)).len(), 1);
        let log = log.borrow();
        let mut actions = log.iter().filter_map(|r| match r {
            Record::ExceptionResolved { action, manual: true, .. } => Some(*action),
            _ => None,
        });
        actions.next_back().expect("resolved")
    })
}

#[test]
fn an_exception_about_an_order_that_is_gone_is_resolved_as_wait() {
    // Had it stayed open, the rules would tender it to the carrier.
    assert!(matches!(resolved(false), Action::Tender { .. }), "{:?}", resolved(false));
    assert_eq!(resolved(true), Action::Wait);
}
